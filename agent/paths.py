"""A file or folder said for an argument: where a vector is saved or read, a dataset, a corpus, an adapter, an export folder.

Read by the words around it ("save it to vec.pt", "over data/papers/ and notes/x.txt", "the adapter in runs/em_r1"),
or, for a vector file, a data file and a corpus, by its shape alone. A file has an extension; a folder said where a
file is meant is left for the argument that takes folders.
"""

from __future__ import annotations

import re

from agent.wording import PATH


def path_for(name: str, kinds: set[str], text: str) -> tuple[str | list[str], str] | None:
    """(value, the phrase that said it) for the path argument `name`, or None."""
    near = {"save_to": r"\b(?:save|write|store|dump|export|persist|keep a copy)\w*\b[^.]{0,20}?|(?:->|→)\s*|"  # "... layers 8/12/16 -> out/v.safetensors"
                       r"\bout(?:put)?(?:_?(?:file|path))?(?:\s*[=:]\s*|\s+)",  # "out=vecs/v.pt", "--out vecs/v.pt"
            "export_dir": r"\b(?:export|write|files?)\w*\b[^\n]{0,60}?(?:\b(?:in)?to\s+|(?:->|→)\s*)|"  # "export -> ./viz/q2"
                          r"\bout(?:put)?(?:_?dir)?(?:\s*[=:]\s*|\s+)",  # "--out ./exports/ta"
            "vector_file": r"(?:\b(?:from|file|load|in|at|with|using|of)\s+|w/\s*)(?:the\s+)?(?:vector\s+)?(?:file\s+)?(?:in\s+|at\s+)?",
            "dataset": r"\b(?:file|data(?:set)?|on|with|using|from)\s+(?:(?:is|=|:|at|in)\s+)?(?:my\s+)?(?:file\s+)?", "corpus": r"\b(?:over|on|from|of|folder|corpus|files?)\s+(?:my\s+)?(?:\w+\s+)?(?:folder\s+)?",
            "adapter": r"\badapter\s+(?:in|at|from)?\s*",
            "questions_file": r"\bquestions?\b[^.\n]{0,40}?\b(?:from|in|at|file)\s+(?:the\s+)?(?:file\s+)?|(?=\S+\.ya?ml\b)"}
    found = re.search(rf"(?:{near.get(name, '')}|\b{name}\s+)({PATH})", text, re.I)
    if found is None and name == "vector_file":  # "project vecs/misalign.safetensors out of layers 12-18"; not "... -> out/v.pt", made
        found = re.search(rf"(?<![\w./~>→-])(?<!-> )(?<!→ )()((?:~|\.{{1,2}})?/?[\w.-]+(?:/[\w.-]+)*\.(?:safetensors|pt|pth|npy|npz))\b", text)
        if found and re.search(r"\b(?:save|write|store|dump|export|persist)(?:s|ing)?\b(?:\s+\w+){0,3}?\s+(?:to|as|in|at|into)\s+$", text[:found.start(2)], re.I):
            found = None  # "save to vecs/x.pt", "write it to v.pt": where the new one goes ("the vector I saved to v.pt" is one to read)
    if found is None and name == "export_dir":  # "export the tables to out/": a folder of one name, said with its slash
        found = re.search(rf"(?:{near['export_dir']})((?:~|\.{{1,2}})?/?[\w.-]+/)(?![\w/])", text, re.I)
    if found is None and name == "dataset":  # "lr 2e-4, data/medical.jsonl": a data file said on its own
        found = re.search(r"()((?:~|\.{1,2})?/?[\w.-]+(?:/[\w.-]+)*\.(?:jsonl|json|csv|parquet|txt))\b", text)
    if found is None and name == "corpus":
        found = re.search(rf"()({PATH})", text)
        found = found and re.search(rf"({re.escape(found.group(2))})", text)
    if found and name in ("vector_file", "save_to") and not re.search(r"\.\w{2,12}$", found.group(found.lastindex).rstrip(".,")):
        found = None  # a file has an extension; a folder here is the adapter's or the model's
    if found:
        value = found.group(found.lastindex).rstrip(".,")
        more = re.match(rf"(?:[`'\"]?\s*(?:,|and|&|\+|plus)\s*(?:also\s+)?[`'\"]?(?:{PATH}))+", text[found.end():], re.I)  # "`a` and `b`"
        if "array" in kinds and more:  # "over data/papers/ and notes/meeting_notes.txt"
            return [value] + [m.group(0).rstrip(".,") for m in re.finditer(PATH, more.group(0))], found.group(0) + more.group(0)
        later = [m.group(1).rstrip(".,") for m in re.finditer(rf"(?:\bplus|\bas well as|\balong with)\s+(?:the\s+|my\s+)?(?:file\s+|folder\s+)?[`'\"]?({PATH})",
                                                              text[found.end():], re.I)] if "array" in kinds else []
        if later:  # "over my ./papers folder (plain .txt, cut at blank lines) plus data/chats.jsonl"
            return [value] + later, found.group(0)
        return [value] if "array" in kinds else value, found.group(0)
    return None
