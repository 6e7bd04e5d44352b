"""Verbatim copies of the Thought Anchors reference analysis, to run on Parley's export in tests.

Source: github.com/interp-reasoning/thought-anchors at commit 2a15f778d11b2c3a12d0357f34000939b172066c
  utils.py: normalize_answer, prepare_latex_for_sympy, normalize_latex, split_solution_into_chunks
  analyze_rollouts.py: ImportanceArgs, count_tokens, process_chunk_importance,
    calculate_counterfactual_importance_accuracy/_kl, calculate_resampling_importance_accuracy/_kl,
    calculate_forced_importance_accuracy/_kl, calculate_kl_divergence, analyze_problem
  step_attribution.py: load_base_solution, load_chunks, load_chunk_rollouts, extract_steps_from_rollout,
    compute_step_importance_matrix

The modules themselves cannot be imported here: at import time analyze_rollouts.py parses the
command line, requires OPENAI_API_KEY and downloads a tokenizer, and utils.py imports `datasets`.
So the functions are copied unchanged, and what their modules set up at import is set up below:
`args` holds analyze_rollouts.py's argparse defaults (which the functions read as a global), and
`embedding_model_cache` is filled by the caller with Parley's sentence embedder (all-MiniLM-L6-v2,
the reference's default `--sentence_model`) instead of being loaded onto 'cuda:0'. The one change
inside a function is marked `[adapted]`: analyze_problem's multiprocessing pool is a serial map
(same results, no worker processes). Labelling and summaries (OpenAI) are never reached, because
Parley's export already holds chunks_labeled.json with summaries and a problem nickname.
"""
# ruff: noqa
# fmt: off

import json
import math
import os
import re
from collections import Counter, defaultdict
from functools import partial
from pathlib import Path
from types import SimpleNamespace
from typing import Dict, List, Optional, Tuple

import numpy as np
from sklearn.metrics.pairwise import cosine_similarity
from tqdm import tqdm

# analyze_rollouts.py's argparse defaults, read by its functions as the global `args`
args = SimpleNamespace(similarity_threshold=0.8, use_similar_chunks=True, absolute=False, top_chunks=500,
                       use_prob_true=False, batch_size=8192, num_processes=1)
embedding_model_cache = {}  # sentence model name -> model with .encode(list[str]) (filled by the caller)
tokenizer = None  # count_tokens(approximate=True), the default, never uses it


class _SerialPool:
    """[adapted] stands in for multiprocessing.Pool in analyze_problem: imap is the builtin map."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def imap(self, func, iterable):
        return map(func, iterable)


# ---- utils.py ----------------------------------------------------------------------------------

def normalize_answer(answer: str, use_sympy: bool = False) -> str:
    """
    Get the final normalized and cleaned version of an answer.
    This function combines all normalization steps used in check_answer.

    Args:
        answer: The answer string to normalize
        use_sympy: Whether to use sympy to normalize the answer

    Returns:
        The normalized answer string
    """
    # First apply basic LaTeX normalization
    normalized = normalize_latex(answer)

    # Also prepare the answer for sympy if applicable
    if use_sympy:
        try:
            sympy_ready = prepare_latex_for_sympy(answer)
            if sympy_ready != normalized and len(sympy_ready) > 0:
                return sympy_ready
        except Exception:
            pass

    return normalized


def prepare_latex_for_sympy(latex_str):
    """
    Prepare a LaTeX string for SymPy parsing by removing unsupported commands
    and simplifying the expression.
    """
    if not isinstance(latex_str, str):
        return str(latex_str)

    # Remove \boxed{} command
    latex_str = re.sub(r"\\boxed\{(.*?)\}", r"\1", latex_str)

    # Replace common LaTeX commands that SymPy doesn't support
    replacements = {
        r"\\dfrac": r"\\frac",
        r"\\tfrac": r"\\frac",
        r"\\cdot": r"*",
        r"\\times": r"*",
        r"\\div": r"/",
        r"\\left": r"",
        r"\\right": r"",
        r"\\textbf": r"",
        r"\\text": r"",
        r"\\mathrm": r"",
        r"\\!": r"",
        r",": r"",
    }

    for old, new in replacements.items():
        latex_str = re.sub(old, new, latex_str)

    return latex_str


def normalize_latex(latex_str: str) -> str:
    """
    Normalize LaTeX string by applying various transformations.

    Args:
        latex_str: The LaTeX string to normalize

    Returns:
        Normalized LaTeX string
    """
    normalized = latex_str.strip().lower()

    # Replace different fraction notations
    normalized = normalized.replace("dfrac", "frac")
    normalized = normalized.replace("tfrac", "frac")

    # Normalize spaces
    normalized = re.sub(r"\s+", "", normalized)

    # Normalize percentages
    normalized = normalized.replace("\\%", "")

    # Normalize funny commas
    normalized = normalized.replace("{,}", "")

    # Normalize common mathematical notations
    normalized = normalized.replace("\\times", "*")
    normalized = normalized.replace("\\cdot", "*")

    # Normalize decimal representation
    normalized = re.sub(r"(\d+)[\.,](\d+)", r"\1.\2", normalized)

    # Remove unnecessary braces in simple expressions
    normalized = re.sub(r"{([^{}]+)}", r"\1", normalized)

    # Normalize common constants
    normalized = normalized.replace("\\pi", "pi")

    # Remove LaTeX text commands
    normalized = re.sub(r"\\text\{([^{}]+)\}", r"\1", normalized)
    normalized = re.sub(r"\\mathrm\{([^{}]+)\}", r"\1", normalized)

    # Normalize date formats (e.g., "October 30" vs "October\\ 30")
    normalized = re.sub(r"([a-z]+)\\+\s*(\d+)", r"\1\2", normalized)
    normalized = normalized.replace("\\text", "")

    return normalized


def split_solution_into_chunks(solution_text: str) -> List[str]:
    """
    Split a solution into chunks for rollout generation.

    Args:
        solution_text: The full solution text

    Returns:
        List of chunks
    """
    # First, remove the prompt part if present
    if "<think>" in solution_text:
        solution_text = solution_text.split("<think>")[1].strip()

    # Remove the closing tag if present
    if "</think>" in solution_text:
        solution_text = solution_text.split("</think>")[0].strip()

    # Define patterns for chunk boundaries
    sentence_ending_tokens = [".", "?", "!"]
    paragraph_ending_patterns = ["\n\n", "\r\n\r\n"]

    # Split the text into chunks
    chunks = []
    current_chunk = ""

    # Process the text character by character
    i = 0
    while i < len(solution_text):
        current_chunk += solution_text[i]

        # Check for paragraph endings
        is_paragraph_end = False
        for pattern in paragraph_ending_patterns:
            if (
                i + len(pattern) <= len(solution_text)
                and solution_text[i : i + len(pattern)] == pattern
            ):
                is_paragraph_end = True
                break

        # Check for sentence endings followed by space or newline
        is_sentence_end = False
        if i < len(solution_text) - 1 and solution_text[i] in sentence_ending_tokens:
            next_char = solution_text[i + 1]
            if next_char == " " or next_char == "\n":
                is_sentence_end = True

        # If we found a boundary, add the chunk and reset
        if is_paragraph_end or is_sentence_end:
            if current_chunk.strip():
                chunks.append(current_chunk.strip())
                current_chunk = ""

        i += 1

    # # Add the last chunk if not empty
    # if current_chunk.strip():
    #     chunks.append(current_chunk.strip())
    #     chunk_idxs.append(len(solution_text) - 1)  # Add last index

    # Merge small chunks (less than 10 characters)
    i = 0
    while i < len(chunks):
        if len(chunks[i]) < 10:
            # If this is the last chunk, merge with previous chunk if possible
            if i == len(chunks) - 1:
                if i > 0:
                    chunks[i - 1] = chunks[i - 1] + " " + chunks[i]
                    chunks.pop(i)
            # Otherwise merge with the next chunk
            else:
                chunks[i + 1] = chunks[i] + " " + chunks[i + 1]
                chunks.pop(i)
                # Don't increment i since we need to check the new merged chunk
            # If we're at the beginning and there's only one chunk, just keep it
            if i == 0 and len(chunks) == 1:
                break
        else:
            i += 1

    # chunk_boundaries = [(chunk_idxs[i], chunk_idxs[i + 1]) for i in range(len(chunk_idxs) - 1)]
    # chunk_boundaries.append((chunk_idxs[-1], len(solution_text)))

    # if get_idxs:
    #     return chunks, chunk_boundaries
    # else:
    return chunks


# ---- analyze_rollouts.py -----------------------------------------------------------------------

class ImportanceArgs:
    """Class to hold arguments for importance calculation functions."""
    def __init__(self, use_absolute=False, forced_answer_dir=None, similarity_threshold=0.8, use_similar_chunks=True, use_abs_importance=False, top_chunks=100, use_prob_true=True):
        self.use_absolute = use_absolute
        self.forced_answer_dir = forced_answer_dir
        self.similarity_threshold = similarity_threshold
        self.use_similar_chunks = use_similar_chunks
        self.use_abs_importance = use_abs_importance
        self.top_chunks = top_chunks
        self.use_prob_true = use_prob_true

def count_tokens(text: str, approximate: bool = True) -> int:
    """Count the number of tokens in a text string using the r1-distill-qwen-14b tokenizer."""
    if approximate:
        return len(text) // 4
    else:
        return len(tokenizer.encode(text))

def process_chunk_importance(chunk_idx, chunk_info, chunk_embedding_cache, chunk_accuracies, args, problem_dir=None, forced_answer_accuracies=None, chunk_answers=None):
    """Process importance metrics for a single chunk.
    
    Args:
        chunk_idx: Index of the chunk to process
        chunk_info: Dictionary containing chunk information
        chunk_embedding_cache: Cache of chunk embeddings
        chunk_accuracies: Dictionary of chunk accuracies
        args: Arguments containing processing parameters
        problem_dir: Path to the problem directory (needed for some metrics)
        forced_answer_accuracies: Dictionary of forced answer accuracies
        chunk_answers: Dictionary of chunk answers
    
    Returns:
        tuple: (chunk_idx, metrics_dict) where metrics_dict contains all calculated metrics
    """
    metrics = {}
    
    # Calculate counterfactual importance metrics 
    cf_acc, different_trajectories_fraction, overdeterminedness = calculate_counterfactual_importance_accuracy(chunk_idx, chunk_info, chunk_embedding_cache, chunk_accuracies, args)
    cf_kl = calculate_counterfactual_importance_kl(chunk_idx, chunk_info, chunk_embedding_cache, chunk_accuracies, chunk_answers, args)
    metrics.update({"counterfactual_importance_accuracy": cf_acc, "counterfactual_importance_kl": cf_kl, "different_trajectories_fraction": different_trajectories_fraction, "overdeterminedness": overdeterminedness})
    
    # Calculate resampling importance metrics
    rs_acc = calculate_resampling_importance_accuracy(chunk_idx, chunk_accuracies, args)
    rs_kl = calculate_resampling_importance_kl(chunk_idx, chunk_info, problem_dir) if problem_dir else 0.0
    metrics.update({"resampling_importance_accuracy": rs_acc, "resampling_importance_kl": rs_kl})
    
    # Calculate forced importance metrics if forced answers available
    if forced_answer_accuracies and hasattr(args, 'forced_answer_dir') and args.forced_answer_dir:
        forced_acc = calculate_forced_importance_accuracy(chunk_idx, forced_answer_accuracies, args)
        forced_kl = calculate_forced_importance_kl(chunk_idx, forced_answer_accuracies, problem_dir, args.forced_answer_dir) if problem_dir else 0.0
        metrics.update({"forced_importance_accuracy": forced_acc, "forced_importance_kl": forced_kl})
    
    return chunk_idx, metrics

def calculate_counterfactual_importance_accuracy(chunk_idx, chunk_info, chunk_embedding_cache, chunk_accuracies, args):
    """
    Calculate counterfactual importance for a chunk based on accuracy differences.
    
    Args:
        chunk_idx: Index of the chunk to calculate importance for
        chunk_info: Dictionary containing chunk information
        chunk_embedding_cache: Cache of chunk embeddings
        chunk_accuracies: Dictionary of chunk accuracies
        args: Arguments containing processing parameters
        
    Returns:
        float: Counterfactual importance score
    """
    if chunk_idx not in chunk_info:
        return 0.0, 0.0, 0.0
    
    # Find next chunks
    next_chunks = [idx for idx in chunk_info.keys() if idx > chunk_idx]
    if not next_chunks:
        return 0.0, 0.0, 0.0
    
    next_chunk_idx = min(next_chunks)
    
    # Get current chunk solutions
    current_solutions = chunk_info[chunk_idx]
    
    # Get next chunk solutions (these will be the similar solutions)
    next_solutions = chunk_info.get(next_chunk_idx, [])
    
    # For dissimilar solutions, we'll use current solutions where resampled chunk is semantically different from removed chunk
    dissimilar_solutions = []
    different_trajectories_count = 0
    chunk_pairs = []
    
    for sol in current_solutions:
        removed = sol.get('chunk_removed', '')
        resampled = sol.get('chunk_resampled', '')
        
        if isinstance(removed, str) and isinstance(resampled, str) and removed in chunk_embedding_cache and resampled in chunk_embedding_cache:
            removed_embedding = chunk_embedding_cache[removed]
            resampled_embedding = chunk_embedding_cache[resampled]
            
            # Calculate similarity between removed and resampled chunks
            similarity = np.dot(removed_embedding, resampled_embedding) / (np.linalg.norm(removed_embedding) * np.linalg.norm(resampled_embedding))
            
            # If similarity is below threshold, consider it a dissimilar solution
            if similarity < args.similarity_threshold:
                dissimilar_solutions.append(sol)
                different_trajectories_count += 1
            
            chunk_pairs.append((removed, resampled, sol))
    
    # Calculate different_trajectories_fraction
    different_trajectories_fraction = different_trajectories_count / len(current_solutions) if current_solutions else 0.0
    
    # Calculate overdeterminedness based on exact string matching of resampled chunks
    resampled_chunks_str = [pair[1] for pair in chunk_pairs]  # Get all resampled chunks
    unique_resampled = set(resampled_chunks_str)  # Get unique resampled chunks
    
    # Calculate overdeterminedness as ratio of duplicates
    overdeterminedness = 1.0 - (len(unique_resampled) / len(resampled_chunks_str)) if resampled_chunks_str else 0.0
    
    # If we have no solutions in either group, return 0
    if not dissimilar_solutions or not next_solutions:
        return 0.0, different_trajectories_fraction, overdeterminedness
    
    # Calculate accuracy for dissimilar solutions
    dissimilar_correct = sum(1 for sol in dissimilar_solutions if sol.get("is_correct", False) is True and sol.get("answer", "") != "")
    dissimilar_total = len([sol for sol in dissimilar_solutions if sol.get("is_correct", None) is not None and sol.get("answer", "") != ""])
    dissimilar_accuracy = dissimilar_correct / dissimilar_total if dissimilar_total > 0 else 0.0
    
    # Calculate accuracy for next chunk solutions (similar)
    next_correct = sum(1 for sol in next_solutions if sol.get("is_correct", False) is True and sol.get("answer", "") != "")
    next_total = len([sol for sol in next_solutions if sol.get("is_correct", None) is not None and sol.get("answer", "") != ""])
    next_accuracy = next_correct / next_total if next_total > 0 else 0.0
    
    # Compare dissimilar solutions with next chunk solutions
    diff = dissimilar_accuracy - next_accuracy
    
    diff = abs(diff) if hasattr(args, 'use_abs_importance') and args.use_abs_importance else diff
    return diff, different_trajectories_fraction, overdeterminedness

def calculate_counterfactual_importance_kl(chunk_idx, chunk_info, chunk_embedding_cache, chunk_accuracies, chunk_answers, args):
    """
    Calculate counterfactual importance for a chunk based on KL divergence between similar and dissimilar solutions.
    
    Args:
        chunk_idx: Index of the chunk to calculate importance for
        chunk_info: Dictionary containing chunk information
        chunk_embedding_cache: Cache of chunk embeddings
        chunk_accuracies: Dictionary of chunk accuracies
        chunk_answers: Dictionary of chunk answers
        args: Arguments containing processing parameters
        
    Returns:
        float: Counterfactual importance score based on KL divergence
    """
    if chunk_idx not in chunk_info:
        return 0.0
    
    # Find next chunks
    next_chunks = [idx for idx in chunk_info.keys() if idx > chunk_idx]
    if not next_chunks:
        return 0.0
    
    next_chunk_idx = min(next_chunks)
    
    # Get current chunk solutions
    current_solutions = chunk_info[chunk_idx]
    
    # Get next chunk solutions (these will be the similar solutions)
    next_solutions = chunk_info.get(next_chunk_idx, [])
    
    # For dissimilar solutions, we'll use current solutions where resampled chunk is semantically different from removed chunk
    dissimilar_solutions = []
    similar_solutions = []
    
    for sol in current_solutions:
        removed = sol.get('chunk_removed', '')
        resampled = sol.get('chunk_resampled', '')
        
        if isinstance(removed, str) and isinstance(resampled, str) and removed in chunk_embedding_cache and resampled in chunk_embedding_cache:
            removed_embedding = chunk_embedding_cache[removed]
            resampled_embedding = chunk_embedding_cache[resampled]
            
            # Calculate similarity between removed and resampled chunks
            similarity = np.dot(removed_embedding, resampled_embedding) / (np.linalg.norm(removed_embedding) * np.linalg.norm(resampled_embedding))
            
            # If similarity is below threshold, consider it a dissimilar solution
            if similarity < args.similarity_threshold:
                dissimilar_solutions.append(sol)
            else:
                similar_solutions.append(sol)
    
    # If we have no solutions in either group, return 0
    if not dissimilar_solutions or not next_solutions:
        return 0.0
    
    # Create answer distributions for similar solutions
    similar_answers = defaultdict(int)
    for sol in similar_solutions:
        answer = normalize_answer(sol.get("answer", ""))
        if answer:
            similar_answers[answer] += 1
    
    # Create answer distributions for dissimilar solutions
    dissimilar_answers = defaultdict(int)
    for sol in dissimilar_solutions:
        answer = normalize_answer(sol.get("answer", ""))
        if answer:
            dissimilar_answers[answer] += 1
    
    # Create answer distributions for next chunk solutions (similar)
    next_answers = defaultdict(int)
    for sol in next_solutions:
        answer = normalize_answer(sol.get("answer", ""))
        if answer:
            next_answers[answer] += 1
    
    # Convert to lists of solutions format expected by calculate_kl_divergence
    similar_sols = []
    dissimilar_sols = []
    next_sols = []
    
    # Create a mapping of answers to their is_correct values
    answer_correctness = {}
    for sol in current_solutions:
        answer = normalize_answer(sol.get("answer", ""))
        if answer:
            answer_correctness[answer] = sol.get("is_correct", False)
    
    for sol in next_solutions:
        answer = normalize_answer(sol.get("answer", ""))
        if answer:
            answer_correctness[answer] = sol.get("is_correct", False)
    
    for answer, count in similar_answers.items():
        for _ in range(count):
            similar_sols.append({
                "answer": answer,
                "is_correct": answer_correctness.get(answer, False)
            })
    
    for answer, count in dissimilar_answers.items():
        for _ in range(count):
            dissimilar_sols.append({
                "answer": answer,
                "is_correct": answer_correctness.get(answer, False)
            })
    
    for answer, count in next_answers.items():
        for _ in range(count):
            next_sols.append({
                "answer": answer,
                "is_correct": answer_correctness.get(answer, False)
            })
    
    # Calculate KL divergence between dissimilar and next distributions
    kl_div = calculate_kl_divergence(dissimilar_sols, next_sols + similar_sols if args.use_similar_chunks else next_sols, use_prob_true=args.use_prob_true)
    
    return kl_div

def calculate_resampling_importance_accuracy(chunk_idx, chunk_accuracies, args=None):
    """
    Calculate resampling importance for a chunk based on accuracy differences.
    
    Args:
        chunk_idx: Index of the chunk to calculate importance for
        chunk_accuracies: Dictionary of chunk accuracies
        args: Arguments containing processing parameters
        
    Returns:
        float: Resampling importance score
    """
    if chunk_idx not in chunk_accuracies:
        return 0.0
    
    # Get accuracies of all other chunks
    current_accuracy = chunk_accuracies[chunk_idx]
    prev_accuracies = [acc for idx, acc in chunk_accuracies.items() if idx <= chunk_idx]
    next_accuracies = [acc for idx, acc in chunk_accuracies.items() if idx == chunk_idx + 1]
    
    if not prev_accuracies or not next_accuracies:
        return 0.0
    
    prev_avg_accuracy = sum(prev_accuracies) / len(prev_accuracies)
    next_avg_accuracy = sum(next_accuracies) / len(next_accuracies)
    diff = next_avg_accuracy - current_accuracy
    
    if args and hasattr(args, 'use_abs_importance') and args.use_abs_importance:
        return abs(diff)
    return diff

def calculate_resampling_importance_kl(chunk_idx, chunk_info, problem_dir):
    """
    Calculate resampling importance for a chunk based on KL divergence.
    
    Args:
        chunk_idx: Index of the chunk to calculate importance for
        chunk_info: Dictionary containing chunk information
        problem_dir: Directory containing the problem data
        
    Returns:
        float: Resampling importance score based on KL divergence
    """
    if chunk_idx not in chunk_info:
        return 0.0
    
    # Find next chunks
    next_chunks = [idx for idx in chunk_info.keys() if idx > chunk_idx]
    
    if not next_chunks:
        return 0.0
    
    # Get chunk directories for the current and next chunk
    chunk_dir = problem_dir / f"chunk_{chunk_idx}"
    
    # Get next chunk
    next_chunk_idx = min(next_chunks)
    next_chunk_dir = problem_dir / f"chunk_{next_chunk_idx}"
    
    # Get solutions for both chunks
    chunk_sols1 = []
    chunk_sols2 = []
    
    # Load solutions for current chunk
    solutions_file = chunk_dir / "solutions.json"
    if solutions_file.exists():
        try:
            with open(solutions_file, 'r', encoding='utf-8') as f:
                chunk_sols1 = json.load(f)
        except Exception as e:
            print(f"Error loading solutions from {solutions_file}: {e}")
    
    # Load solutions for next chunk
    next_solutions_file = next_chunk_dir / "solutions.json"
    if next_solutions_file.exists():
        try:
            with open(next_solutions_file, 'r', encoding='utf-8') as f:
                chunk_sols2 = json.load(f)
        except Exception as e:
            print(f"Error loading solutions from {next_solutions_file}: {e}")
    
    if not chunk_sols1 or not chunk_sols2:
        return 0.0
        
    # Calculate KL divergence
    return calculate_kl_divergence(chunk_sols1, chunk_sols2, use_prob_true=args.use_prob_true)

def calculate_forced_importance_accuracy(chunk_idx, forced_answer_accuracies, args=None):
    """
    Calculate forced importance for a chunk based on accuracy differences.
    
    Args:
        chunk_idx: Index of the chunk to calculate importance for
        forced_answer_accuracies: Dictionary of forced answer accuracies
        args: Arguments containing processing parameters
        
    Returns:
        float: Forced importance score
    """
    if chunk_idx not in forced_answer_accuracies:
        return 0.0
    
    # Find next chunk with forced answer accuracy
    next_chunks = [idx for idx in forced_answer_accuracies.keys() if idx > chunk_idx]
    if not next_chunks:
        return 0.0
    
    next_chunk_idx = min(next_chunks)
    
    # Get forced accuracies for current and next chunk
    current_forced_accuracy = forced_answer_accuracies[chunk_idx]
    next_forced_accuracy = forced_answer_accuracies[next_chunk_idx]
    
    # Calculate the difference
    diff = next_forced_accuracy - current_forced_accuracy
    
    if args and hasattr(args, 'use_abs_importance') and args.use_abs_importance:
        return abs(diff)
    return diff

def calculate_forced_importance_kl(chunk_idx, forced_answer_accuracies, problem_dir, forced_answer_dir):
    """
    Calculate forced importance for a chunk based on KL divergence.
    
    Args:
        chunk_idx: Index of the chunk to calculate importance for
        forced_answer_accuracies: Dictionary of forced answer accuracies
        problem_dir: Directory containing the problem data
        forced_answer_dir: Directory containing forced answer data
        
    Returns:
        float: Forced importance score based on KL divergence
    """
    if chunk_idx not in forced_answer_accuracies:
        return 0.0
    
    # We need to find the answer distributions for the forced chunks
    # First, get forced answer distributions for current chunk
    current_answers = defaultdict(int)
    next_answers = defaultdict(int)
    
    # Find the forced problem directory
    if not forced_answer_dir:
        return 0.0
        
    forced_problem_dir = forced_answer_dir / problem_dir.name
    if not forced_problem_dir.exists():
        return 0.0
    
    # Get current chunk answers
    current_chunk_dir = forced_problem_dir / f"chunk_{chunk_idx}"
    current_solutions = []
    if current_chunk_dir.exists():
        solutions_file = current_chunk_dir / "solutions.json"
        if solutions_file.exists():
            try:
                with open(solutions_file, 'r', encoding='utf-8') as f:
                    current_solutions = json.load(f)
                
                # Get answer distribution
                for sol in current_solutions:
                    answer = normalize_answer(sol.get("answer", ""))
                    if answer:
                        current_answers[answer] += 1
            except Exception:
                pass
    
    # Find next chunk to compare
    next_chunks = [idx for idx in forced_answer_accuracies.keys() if idx > chunk_idx]
    if not next_chunks:
        return 0.0
        
    next_chunk_idx = min(next_chunks)
    
    # Get next chunk answers
    next_chunk_dir = forced_problem_dir / f"chunk_{next_chunk_idx}"
    next_solutions = []
    if next_chunk_dir.exists():
        solutions_file = next_chunk_dir / "solutions.json"
        if solutions_file.exists():
            try:
                with open(solutions_file, 'r', encoding='utf-8') as f:
                    next_solutions = json.load(f)
                
                # Get answer distribution
                for sol in next_solutions:
                    answer = normalize_answer(sol.get("answer", ""))
                    if answer:
                        next_answers[answer] += 1
            except Exception:
                pass
    
    # If either distribution is empty or we don't have solutions, return 0
    if not current_answers or not next_answers or not current_solutions or not next_solutions:
        return 0.0
    
    # Use the consistent KL divergence calculation
    return calculate_kl_divergence(current_solutions, next_solutions, use_prob_true=args.use_prob_true)

def calculate_kl_divergence(chunk_sols1, chunk_sols2, laplace_smooth=False, use_prob_true=True):
    """Calculate KL divergence between answer distributions of two chunks.
    
    Args:
        chunk_sols1: First set of solutions
        chunk_sols2: Second set of solutions
        laplace_smooth: Whether to use Laplace smoothing
        use_prob_true: If True, calculate KL divergence between P(true) distributions
                      If False, calculate KL divergence between answer distributions
    """
    if use_prob_true:
        # Calculate P(true) for each set
        correct1 = sum(1 for sol in chunk_sols1 if sol.get("is_correct", False) is True)
        total1 = sum(1 for sol in chunk_sols1 if sol.get("is_correct", None) is not None)
        correct2 = sum(1 for sol in chunk_sols2 if sol.get("is_correct", False) is True)
        total2 = sum(1 for sol in chunk_sols2 if sol.get("is_correct", None) is not None)
        
        # Early return if either set is empty
        if total1 == 0 or total2 == 0:
            return 0.0
            
        # Calculate probabilities with Laplace smoothing if requested
        alpha = 1 if laplace_smooth else 1e-9
        p = (correct1 + alpha) / (total1 + 2 * alpha)  # Add alpha to both numerator and denominator
        q = (correct2 + alpha) / (total2 + 2 * alpha)
        
        # Calculate KL divergence for binary distribution
        kl_div = p * math.log(p / q) + (1 - p) * math.log((1 - p) / (1 - q))
        return max(0.0, kl_div)
    else:
        # Original implementation for answer distributions
        # Optimize by pre-allocating dictionaries with expected size
        answer_counts1 = defaultdict(int)
        answer_counts2 = defaultdict(int)
        
        # Process first batch of solutions
        for sol in chunk_sols1:
            answer = normalize_answer(sol.get("answer", ""))
            if answer:
                answer_counts1[answer] += 1
        
        # Process second batch of solutions
        for sol in chunk_sols2:
            answer = normalize_answer(sol.get("answer", ""))
            if answer:
                answer_counts2[answer] += 1
        
        # Early return if either set is empty
        if not answer_counts1 or not answer_counts2:
            return 0.0
        
        # All possible answers across both sets
        all_answers = set(answer_counts1.keys()) | set(answer_counts2.keys())
        V = len(all_answers)
        
        # Pre-calculate totals once
        total1 = sum(answer_counts1.values())
        total2 = sum(answer_counts2.values())
        
        # Early return if either total is zero
        if total1 == 0 or total2 == 0:
            return 0.0
        
        alpha = 1 if laplace_smooth else 1e-9
        
        # Laplace smoothing: add alpha to counts, and alpha*V to totals
        smoothed_total1 = total1 + alpha * V
        smoothed_total2 = total2 + alpha * V
        
        # Calculate KL divergence in a single pass
        kl_div = 0.0
        for answer in all_answers:
            count1 = answer_counts1[answer]
            count2 = answer_counts2[answer]
            
            p = (count1 + alpha) / smoothed_total1
            q = (count2 + alpha) / smoothed_total2
            
            kl_div += p * math.log(p / q)
        
        return max(0.0, kl_div)

def analyze_problem(
    problem_dir: Path,  
    use_absolute: bool = False,
    force_relabel: bool = False,
    forced_answer_dir: Optional[Path] = None,
    use_existing_metrics: bool = False,
    sentence_model: str = "all-MiniLM-L6-v2",
    similarity_threshold: float = 0.8,
    force_metadata: bool = False
) -> Dict:
    """
    Analyze a single problem's solution.
    """
    # Check if required files exist
    base_solution_file = problem_dir / "base_solution.json"
    chunks_file = problem_dir / "chunks.json"
    problem_file = problem_dir / "problem.json"
    
    if not (base_solution_file.exists() and chunks_file.exists() and problem_file.exists()):
        print(f"Problem {problem_dir.name}: Missing required files")
        return None
    
    # Load problem
    with open(problem_file, 'r', encoding='utf-8') as f:
        problem = json.load(f)
    
    # Generate problem nickname if it doesn't exist or if forced
    if force_metadata or "nickname" not in problem or not problem.get("nickname"):
        print(f"Problem {problem_dir.name}: Generating problem nickname...")
        try:
            nickname = generate_problem_nickname(problem["problem"])
            problem["nickname"] = nickname
            
            # Save the updated problem.json
            with open(problem_file, 'w', encoding='utf-8') as f:
                json.dump(problem, f, indent=2)
                
        except Exception as e:
            print(f"Error generating nickname for problem {problem_dir.name}: {e}")
            problem["nickname"] = "math problem"
    
    # Load base solution
    with open(base_solution_file, 'r', encoding='utf-8') as f:
        base_solution = json.load(f)
    
    # Load chunks
    with open(chunks_file, 'r', encoding='utf-8') as f:
        chunks_data = json.load(f)
    
    chunks = chunks_data["chunks"]
    
    # Filter out chunks shorter than 4 characters
    valid_chunks = []
    valid_chunk_indices = []
    for i, chunk in enumerate(chunks):
        if len(chunk) >= 4:
            valid_chunks.append(chunk)
            valid_chunk_indices.append(i)
    
    if len(valid_chunks) < len(chunks):
        print(f"Problem {problem_dir.name}: Filtered out {len(chunks) - len(valid_chunks)} chunks shorter than 3 characters")
        chunks = valid_chunks
    
    # Check if at least 25% of chunks have corresponding chunk folders
    chunk_folders = [problem_dir / f"chunk_{i}" for i in valid_chunk_indices]
    existing_chunk_folders = [folder for folder in chunk_folders if folder.exists()]
    
    if len(existing_chunk_folders) < 0.1 * len(chunks):
        print(f"Problem {problem_dir.name}: Only {len(existing_chunk_folders)}/{len(chunks)} chunk folders exist")
        return None
    
    # Calculate token counts for each chunk's full_cot
    token_counts = []
    
    # Pre-calculate accuracies for all chunks - do this once instead of repeatedly
    print(f"Problem {problem_dir.name}: Pre-calculating chunk accuracies")
    chunk_accuracies = {}
    chunk_answers = {}
    chunk_info = {}  # Store resampled chunks and answers
    
    # Load forced answer accuracies if available
    forced_answer_accuracies = {}
    if forced_answer_dir:
        forced_problem_dir = forced_answer_dir / problem_dir.name
        if forced_problem_dir.exists():
            for chunk_idx in valid_chunk_indices:
                chunk_dir = forced_problem_dir / f"chunk_{chunk_idx}"
                
                if chunk_dir.exists():
                    # Load solutions.json file to calculate accuracy
                    solutions_file = chunk_dir / "solutions.json"
                    if solutions_file.exists():
                        try:
                            with open(solutions_file, 'r', encoding='utf-8') as f:
                                solutions = json.load(f)
                            
                            # Calculate accuracy from solutions
                            correct_count = sum(1 for sol in solutions if sol.get("is_correct", False) is True and sol.get("answer", "") != "")
                            total_count = sum(1 for sol in solutions if sol.get("is_correct", None) is not None and sol.get("answer", "") != "")
                            accuracy = correct_count / total_count if total_count > 0 else 0.0
                            forced_answer_accuracies[chunk_idx] = accuracy
                            
                        except Exception as e:
                            print(f"Error loading solutions from {solutions_file}: {e}")
                            forced_answer_accuracies[chunk_idx] = 0.0
                    else:
                        forced_answer_accuracies[chunk_idx] = 0.0
                else:
                    forced_answer_accuracies[chunk_idx] = 0.0
    
    for chunk_idx in valid_chunk_indices:
        chunk_dir = problem_dir / f"chunk_{chunk_idx}"
        solutions_file = chunk_dir / "solutions.json"
        
        if solutions_file.exists():
            with open(solutions_file, 'r', encoding='utf-8') as f:
                solutions = json.load(f)
                
            # Calculate accuracy
            correct = sum(1 for sol in solutions if sol.get("is_correct", False) is True and sol.get("answer", "") != "")
            total = sum(1 for sol in solutions if sol.get("is_correct", None) is not None and sol.get("answer", "") != "")
            chunk_accuracies[chunk_idx] = correct / total if total > 0 else 0.0
                
            # Calculate average token count
            if solutions:
                avg_tokens = np.mean([count_tokens(sol.get("full_cot", "")) for sol in solutions])
                token_counts.append((chunk_idx, avg_tokens))
                
            if solutions:
                # Store answer distributions
                chunk_answers[chunk_idx] = defaultdict(int)
                for sol in solutions:
                    if sol.get("answer", "") != "" and sol.get("answer", "") != "None":
                        chunk_answers[chunk_idx][normalize_answer(sol.get("answer", ""))] += 1
                
                # Store resampled chunks and answers for absolute metrics
                chunk_info[chunk_idx] = []
                for sol in solutions:
                    if sol.get("answer", "") != "" and sol.get("answer", "") != "None":
                        info = {
                            "chunk_removed": sol.get("chunk_removed", ""),
                            "chunk_resampled": sol.get("chunk_resampled", ""),
                            "full_cot": sol.get("full_cot", ""),
                            "is_correct": sol.get("is_correct", False),
                            "answer": normalize_answer(sol.get("answer", ""))
                        }
                        chunk_info[chunk_idx].append(info)
    
    # Initialize embedding model and cache at the problem level
    global embedding_model_cache
    if sentence_model not in embedding_model_cache:
        embedding_model_cache[sentence_model] = SentenceTransformer(sentence_model).to('cuda:0')
    embedding_model = embedding_model_cache[sentence_model]

    # Create problem-level embedding cache
    chunk_embedding_cache = {}

    # Collect all unique chunks that need embedding
    all_chunks_to_embed = set()
    
    # Add chunks from chunk_info
    for solutions in chunk_info.values():
        for sol in solutions:
            # Add removed and resampled chunks
            if isinstance(sol.get('chunk_removed', ''), str):
                all_chunks_to_embed.add(sol['chunk_removed'])
            if isinstance(sol.get('chunk_resampled', ''), str):
                all_chunks_to_embed.add(sol['chunk_resampled'])

    # Convert set to list and compute embeddings in batches
    all_chunks_list = list(all_chunks_to_embed)
    batch_size = args.batch_size
    
    print(f"Computing embeddings for {len(all_chunks_list)} unique chunks...")
    for i in tqdm(range(0, len(all_chunks_list), batch_size), desc="Computing embeddings"):
        batch = all_chunks_list[i:i + batch_size]
        batch_embeddings = embedding_model.encode(batch, batch_size=batch_size, show_progress_bar=False)
        for chunk, embedding in zip(batch, batch_embeddings):
            chunk_embedding_cache[chunk] = embedding

    labeled_chunks = [{"chunk_idx": i} for i in valid_chunk_indices]
    
    # Save labeled chunks
    labeled_chunks_file = problem_dir / "chunks_labeled.json"
    
    # If labeled chunks exist and we're not forcing relabeling, load them
    if labeled_chunks_file.exists() and not force_relabel:
        with open(labeled_chunks_file, 'r', encoding='utf-8') as f:
            labeled_chunks = json.load(f)
        
        # Filter out chunks shorter than 3 characters
        labeled_chunks = [chunk for chunk in labeled_chunks if chunk.get("chunk_idx") in valid_chunk_indices]
        
        # Generate summaries for chunks that don't have them or if forced
        chunks_need_summary = []
        for chunk in labeled_chunks:
            if force_metadata or "summary" not in chunk or not chunk.get("summary"):
                chunks_need_summary.append(chunk)
        
        if chunks_need_summary:
            for chunk in chunks_need_summary:
                chunk_text = chunk.get("chunk", "")
                if chunk_text:
                    try:
                        summary = generate_chunk_summary(chunk_text)
                        chunk["summary"] = summary
                    except Exception as e:
                        print(f"Error generating summary for chunk {chunk.get('chunk_idx')}: {e}")
                        chunk["summary"] = "unknown action"
        
        # Only recalculate metrics if not using existing values
        if not use_existing_metrics:
            print(f"Problem {problem_dir.name}: Recalculating importance for {len(labeled_chunks)} chunks")
            
            # Prepare arguments for parallel processing
            chunk_indices = [chunk["chunk_idx"] for chunk in labeled_chunks]
            
            # Create args object for process_chunk_importance
            args_obj = ImportanceArgs(
                use_absolute=use_absolute,
                forced_answer_dir=forced_answer_dir,
                similarity_threshold=similarity_threshold,
                use_similar_chunks=args.use_similar_chunks,
                use_abs_importance=args.absolute,
                top_chunks=args.top_chunks,
                use_prob_true=args.use_prob_true,
            )
            
            # Create a pool of workers
            with _SerialPool() as pool:  # [adapted] was mp.Pool(processes=args.num_processes)
                # Create partial function with fixed arguments
                process_func = partial(
                    process_chunk_importance,
                    chunk_info=chunk_info,
                    chunk_embedding_cache=chunk_embedding_cache,
                    chunk_accuracies=chunk_accuracies,
                    args=args_obj,
                    problem_dir=problem_dir,
                    forced_answer_accuracies=forced_answer_accuracies,
                    chunk_answers=chunk_answers
                )
                
                # Process chunks in parallel
                results = list(tqdm(
                    pool.imap(process_func, chunk_indices),
                    total=len(chunk_indices),
                    desc="Processing chunks"
                ))
            
            # Update labeled_chunks with results
            for chunk_idx, metrics in results:
                for chunk in labeled_chunks:
                    if chunk["chunk_idx"] == chunk_idx:
                        # Remove old absolute importance metrics
                        chunk.pop("absolute_importance_accuracy", None)
                        chunk.pop("absolute_importance_kl", None)
                        
                        # Update with new metrics
                        chunk.update(metrics)
                        
                        # Reorder dictionary keys for consistent output
                        key_order = [
                            "chunk", "chunk_idx", "function_tags", "depends_on", "accuracy",
                            "resampling_importance_accuracy", "resampling_importance_kl",
                            "counterfactual_importance_accuracy", "counterfactual_importance_kl",
                            "forced_importance_accuracy", "forced_importance_kl",
                            "different_trajectories_fraction",  "overdeterminedness", "summary"
                        ]
                        
                        # Create new ordered dictionary
                        ordered_chunk = {}
                        for key in key_order:
                            if key in chunk:
                                ordered_chunk[key] = chunk[key]
                        
                        # Add any remaining keys that weren't in the predefined order
                        for key, value in chunk.items():
                            if key not in ordered_chunk:
                                ordered_chunk[key] = value
                        
                        # Replace the original chunk with the ordered version
                        chunk.clear()
                        chunk.update(ordered_chunk)
                        break
                    
            for chunk in labeled_chunks:
                chunk.update({"accuracy": chunk_accuracies[chunk["chunk_idx"]]})
            
            # Save updated labeled chunks
            with open(labeled_chunks_file, 'w', encoding='utf-8') as f:
                json.dump(labeled_chunks, f, indent=2)
        
        else:
            # Just use existing metrics without recalculation, but still save if summaries were added
            if chunks_need_summary:
                with open(labeled_chunks_file, 'w', encoding='utf-8') as f:
                    json.dump(labeled_chunks, f, indent=2)
                    
            print(f"Problem {problem_dir.name}: Using existing metrics from {labeled_chunks_file}")
    else:
        # Label each chunk
        print(f"Problem {problem_dir.name}: Labeling {len(chunks)} chunks")
        
        # Use the DAG prompt to label all chunks at once
        try:
            labeled_chunks_result = label_chunk(problem["problem"], chunks, 0)
            
            # Process the result into the expected format
            labeled_chunks = []
            
            # Prepare arguments for parallel processing
            chunk_indices = list(range(len(valid_chunk_indices)))
            
            # Create args object for process_chunk_importance
            args_obj = ImportanceArgs(
                use_absolute=use_absolute,
                forced_answer_dir=forced_answer_dir,
                similarity_threshold=similarity_threshold,
                use_similar_chunks=args.use_similar_chunks,
                use_abs_importance=args.absolute,
                top_chunks=args.top_chunks,
                use_prob_true=args.use_prob_true
            )
            
            # Create a pool of workers
            with _SerialPool() as pool:  # [adapted] was mp.Pool(processes=args.num_processes)
                # Create partial function with fixed arguments
                process_func = partial(
                    process_chunk_importance,
                    chunk_info=chunk_info,
                    chunk_embedding_cache=chunk_embedding_cache,
                    chunk_accuracies=chunk_accuracies,
                    args=args_obj,
                    problem_dir=problem_dir,
                    forced_answer_accuracies=forced_answer_accuracies,
                    chunk_answers=chunk_answers
                )
                
                # Process chunks in parallel
                results = list(tqdm(
                    pool.imap(process_func, chunk_indices),
                    total=len(chunk_indices),
                    desc="Processing chunks"
                ))
            
            # Create labeled chunks with results
            for i, chunk_idx in enumerate(valid_chunk_indices):
                chunk = chunks[i]  # Use the filtered chunks list
                chunk_data = {
                    "chunk": chunk,
                    "chunk_idx": chunk_idx
                }
                
                # Generate summary for this chunk
                try:
                    summary = generate_chunk_summary(chunk)
                    chunk_data["summary"] = summary
                except Exception as e:
                    print(f"Error generating summary for chunk {chunk_idx}: {e}")
                    chunk_data["summary"] = "unknown action"
                
                # Extract function tags and dependencies for this chunk
                chunk_key = str(i)
                if chunk_key in labeled_chunks_result:
                    chunk_mapping = labeled_chunks_result[chunk_key]
                    chunk_data["function_tags"] = chunk_mapping.get("function_tags", ["unknown"])
                    chunk_data["depends_on"] = chunk_mapping.get("depends_on", [])
                else:
                    chunk_data["function_tags"] = ["unknown"]
                    chunk_data["depends_on"] = []
                
                # Add metrics from parallel processing
                for idx, metrics in results:
                    if idx == i:
                        chunk_data.update(metrics)
                        break
                    
                chunk_data.update({"accuracy": chunk_accuracies[chunk_idx]})
                labeled_chunks.append(chunk_data)
                
            with open(labeled_chunks_file, 'w', encoding='utf-8') as f:
                json.dump(labeled_chunks, f, indent=2)
                
        except Exception as e:
            print(f"Error using DAG prompt for problem {problem_dir.name}: {e}")
            return None
    
    # Load forced answer data if available
    forced_answer_accuracies_list = None
    if forced_answer_dir:
        forced_problem_dir = forced_answer_dir / problem_dir.name
        if forced_problem_dir.exists():
            forced_answer_accuracies_list = []
            
            # Iterate through chunk directories
            for chunk_idx in valid_chunk_indices:
                chunk_dir = forced_problem_dir / f"chunk_{chunk_idx}"
                
                if chunk_dir.exists():
                    # Load solutions.json file to calculate accuracy
                    solutions_file = chunk_dir / "solutions.json"
                    if solutions_file.exists():
                        try:
                            with open(solutions_file, 'r', encoding='utf-8') as f:
                                solutions = json.load(f)
                            
                            # Calculate accuracy from solutions
                            correct_count = sum(1 for sol in solutions if sol.get("is_correct", False) is True)
                            total_count = sum(1 for sol in solutions if sol.get("is_correct", None) is not None and sol.get("answer", "") != "")
                            
                            if total_count > 0:
                                accuracy = correct_count / total_count
                            else:
                                accuracy = 0.0
                                
                            forced_answer_accuracies_list.append(accuracy)
                            
                        except Exception as e:
                            print(f"Error loading solutions from {solutions_file}: {e}")
                            forced_answer_accuracies_list.append(0.0)
                    else:
                        forced_answer_accuracies_list.append(0.0)
                else:
                    forced_answer_accuracies_list.append(0.0)
    
    # Return analysis results
    return {
        "problem_idx": problem_dir.name.split("_")[1],
        "problem_type": problem.get("type"),
        "problem_level": problem.get("level"),
        "base_accuracy": base_solution.get("is_correct", False),
        "num_chunks": len(chunks),
        "labeled_chunks": labeled_chunks,
        "token_counts": token_counts,
        "forced_answer_accuracies": forced_answer_accuracies_list
    }


# ---- step_attribution.py -----------------------------------------------------------------------

def load_base_solution(problem_dir: Path) -> Dict:
    """Load base solution from problem directory."""
    base_solution_file = problem_dir / "base_solution.json"
    if base_solution_file.exists():
        with open(base_solution_file, 'r', encoding='utf-8') as f:
            return json.load(f)
    return {}

def load_chunks(problem_dir: Path) -> List[str]:
    """Load chunks from problem directory."""
    chunks_file = problem_dir / "chunks_labeled.json"
    if chunks_file.exists():
        with open(chunks_file, 'r', encoding='utf-8') as f:
            chunks_data = json.load(f)
            return chunks_data
    return []

def load_chunk_rollouts(problem_dir: Path, chunk_idx: int) -> List[Dict]:
    """Load rollouts for a specific chunk."""
    chunk_dir = problem_dir / f"chunk_{chunk_idx}"
    solutions_file = chunk_dir / "solutions.json"
    
    if solutions_file.exists():
        with open(solutions_file, 'r', encoding='utf-8') as f:
            return json.load(f)
    return []

def extract_steps_from_rollout(rollout_text: str) -> List[str]:
    """Extract steps from a rollout text."""
    return split_solution_into_chunks(rollout_text)

def compute_step_importance_matrix(
    problem_dir: Path,
    embedding_model,
    similarity_threshold: float = 0.7,
    max_chunks: int = 50,
    use_cache: bool = True,
    n_processes: int = None,
    output_dir: Path = None
) -> Tuple[np.ndarray, List[str]]:
    """
    Compute the step importance matrix for a problem.
    
    Args:
        problem_dir: Path to problem directory
        embedding_model: Sentence embedding model
        similarity_threshold: Threshold for considering steps similar
        max_chunks: Maximum number of chunks to analyze
        use_cache: Whether to use cached results
        n_processes: Number of processes to use for parallel computation
        output_dir: Directory to save cache files (if None, uses problem_dir)
        
    Returns:
        Tuple of (importance_matrix, chunk_texts)
        importance_matrix[i, j] represents the causal importance of step i on step j
    """
    # Determine cache directory location - use output_dir if provided
    if output_dir is not None:
        cache_dir = output_dir / "attribution_cache"
    else:
        raise ValueError("output_dir must be provided")
    
    cache_dir.mkdir(exist_ok=True, parents=True)
    cache_file = cache_dir / f"step_importance_matrix_t{similarity_threshold}.npz"
    
    if use_cache and cache_file.exists():
        print(f"Loading cached step importance matrix from {cache_file}")
        data = np.load(cache_file, allow_pickle=True)
        return data['matrix'], data['chunk_texts']
    
    # Load base solution and chunks
    base_solution = load_base_solution(problem_dir)
    original_chunks = load_chunks(problem_dir)
    
    if not original_chunks:
        print(f"No chunks found for problem {problem_dir.name}")
        return np.array([]), []
    
    # Limit number of chunks to analyze
    original_chunks = original_chunks[:max_chunks]
    num_chunks = len(original_chunks)
    
    print(f"Analyzing {num_chunks} chunks for problem {problem_dir.name}")
    
    # Initialize importance matrix
    # importance_matrix[i, j] represents the causal importance of step i on step j
    importance_matrix = np.zeros((num_chunks, num_chunks))
    
    # Pre-compute embeddings for all original chunks
    print("Computing embeddings for all original chunks...")
    original_chunk_texts = [chunk['chunk'] for chunk in original_chunks]
    original_embeddings = embedding_model.encode(original_chunk_texts)
    
    # Pre-load all rollouts for all chunks up front to avoid repeated disk I/O
    print("Loading all rollouts...")
    all_rollouts = {}
    for chunk_idx in range(num_chunks):
        rollouts = load_chunk_rollouts(problem_dir, chunk_idx)
        all_rollouts[chunk_idx] = [r for r in rollouts if 'rollout' in r and r['rollout']]
    
    # Pre-compute all rollout steps and their embeddings
    print("Pre-computing all rollout steps and embeddings...")
    chunk_rollout_steps = {}
    chunk_rollout_embeddings = {}
    
    for chunk_idx, rollouts in tqdm(all_rollouts.items(), desc="Pre-computing rollout steps and embeddings"):
        # Extract steps from all rollouts for this chunk
        all_steps = []
        step_indices = []  # to track which rollout and step within rollout
        rollout_indices = []
        
        for rollout_idx, rollout in enumerate(rollouts):
            steps = extract_steps_from_rollout(rollout['rollout'])
            for step_idx, step in enumerate(steps):
                all_steps.append(step)
                rollout_indices.append(rollout_idx)
                step_indices.append(step_idx)
        
        # Store step information
        chunk_rollout_steps[chunk_idx] = {
            'steps': all_steps,
            'rollout_indices': rollout_indices,
            'step_indices': step_indices,
            'num_rollouts': len(rollouts)
        }
        
        # Compute embeddings for all steps at once if there are steps
        if all_steps:
            embeddings = embedding_model.encode(all_steps)
            chunk_rollout_embeddings[chunk_idx] = embeddings
        else:
            chunk_rollout_embeddings[chunk_idx] = np.array([])
    
    # Process chunk pairs in one vectorized operation across the entire matrix
    print("Computing importance matrix...")
    
    # For each chunk i (source) and each chunk j (target) where j > i
    with tqdm(total=num_chunks*(num_chunks-1)//2, desc="Processing chunk pairs") as pbar:
        for i in range(num_chunks - 1):
            # Target chunks (all chunks after i)
            j_values = list(range(i+1, num_chunks))
            
            # Check if we have rollouts for both keeping and removing chunk i
            include_i_idx = i + 1  # Resampling started at i+1 (kept chunk i)
            exclude_i_idx = i      # Resampling started at i (removed chunk i)
            
            if include_i_idx not in chunk_rollout_steps or exclude_i_idx not in chunk_rollout_steps:
                pbar.update(len(j_values))
                continue
                
            if len(chunk_rollout_steps[include_i_idx]['steps']) == 0 or len(chunk_rollout_steps[exclude_i_idx]['steps']) == 0:
                pbar.update(len(j_values))
                continue
            
            # Get the rollout information
            include_steps_info = chunk_rollout_steps[include_i_idx]
            exclude_steps_info = chunk_rollout_steps[exclude_i_idx]
            include_embeddings = chunk_rollout_embeddings[include_i_idx]
            exclude_embeddings = chunk_rollout_embeddings[exclude_i_idx]
            
            # For each target chunk j
            for j in j_values:
                # Get the target embedding (chunk j)
                target_embedding = original_embeddings[j].reshape(1, -1)
                
                # Process include_i rollouts (chunk i was kept)
                include_similarities = cosine_similarity(target_embedding, include_embeddings)[0]
                include_matches = [(-1, 0.0)] * include_steps_info['num_rollouts']
                
                # Find best match for each rollout where chunk i was kept
                for step_idx, (rollout_idx, similarity) in enumerate(zip(include_steps_info['rollout_indices'], include_similarities)):
                    if similarity >= similarity_threshold and (include_matches[rollout_idx][0] == -1 or similarity > include_matches[rollout_idx][1]):
                        include_matches[rollout_idx] = (include_steps_info['step_indices'][step_idx], float(similarity))
                
                # Process exclude_i rollouts (chunk i was removed)
                exclude_similarities = cosine_similarity(target_embedding, exclude_embeddings)[0]
                exclude_matches = [(-1, 0.0)] * exclude_steps_info['num_rollouts']
                
                # Find best match for each rollout where chunk i was removed
                for step_idx, (rollout_idx, similarity) in enumerate(zip(exclude_steps_info['rollout_indices'], exclude_similarities)):
                    if similarity >= similarity_threshold and (exclude_matches[rollout_idx][0] == -1 or similarity > exclude_matches[rollout_idx][1]):
                        exclude_matches[rollout_idx] = (exclude_steps_info['step_indices'][step_idx], float(similarity))
                
                # Calculate match rates
                include_positives = [sim for _, sim in include_matches if sim > 0]
                exclude_positives = [sim for _, sim in exclude_matches if sim > 0]
                
                include_match_rate = len(include_positives) / len(include_matches) if include_matches else 0
                exclude_match_rate = len(exclude_positives) / len(exclude_matches) if exclude_matches else 0
                
                # Calculate importance as difference in match rate
                importance = include_match_rate - exclude_match_rate
                importance_matrix[i, j] = importance
                
                pbar.update(1)
    
    # Save to cache
    np.savez(cache_file, matrix=importance_matrix, chunk_texts=original_chunks)
    
    return importance_matrix, original_chunks
