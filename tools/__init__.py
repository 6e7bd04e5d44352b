"""One thin, typed tool per capability. Importing this package registers every tool.

Tool modules import their backends inside the tool function, so listing tools
never imports torch.
"""

from tools import cot  # noqa: F401  (registers generate_cot, split_sentences)
from tools import recall  # noqa: F401  (recall)
from tools import resampling  # noqa: F401  (resample_importance, sentence_alternatives)
from tools import attribution  # noqa: F401  (receiver_heads, attention_suppression)
from tools import steering  # noqa: F401  (build_steering_vector, steer_generate, steering_sweep)
from tools import itda  # noqa: F401  (itda_build, itda_compare, itda_explain)
from tools import branches  # noqa: F401  (sentence_resilience, compare_interventions)
from tools import mediation  # noqa: F401  (hint_mediation)
from tools import monitor  # noqa: F401  (cot_monitor)
from tools import lora  # noqa: F401  (train_lora, lora_phase, lora_probe, caft_finetune)
from tools import organisms  # noqa: F401  (build_organism)
from tools import em  # noqa: F401  (em_evaluate, misalignment_direction, ablate_direction)
from tools.registry import REGISTRY, Tool, ToolResult, get_tool, run_tool

__all__ = ["REGISTRY", "Tool", "ToolResult", "get_tool", "run_tool"]
