"""``python -m autograd.port SCRIPT.py [-o OUT.py]``: port a PyTorch program to numbagrad.

The import statements are rewritten (``import torch`` -> ``import autograd as torch``,
``torch.nn`` -> ``nn``, ``torch.nn.functional`` -> ``nn.functional``, ``torch.optim`` -> ``optim``,
``torch.utils.data`` -> ``nn.data``, ``torch.distributed`` -> ``autograd.distributed``, ...);
everything else in the file is left as it was, comments and formatting included, since
``torch.X`` paths resolve through ``autograd``'s PyTorch-style attributes. A PyTorch module
numbagrad has no counterpart for (``torch.onnx``, ``torch.utils.tensorboard``, ``torchvision``)
becomes ``raise ImportError(...)`` saying so, so the ported program fails loudly there instead of
silently loading the real PyTorch.

The report lists, with file:line, every import that could not be mapped and every ``torch.X``,
``nn.X``, ``F.X``, ``optim.X`` name the program uses that numbagrad lacks, with a hint. The tool
never imports PyTorch.

Examples
--------
>>> from autograd.port import port_source
>>> text, report = port_source("import torch\\nimport torch.nn.functional as F\\nx = F.relu(1)\\n")
>>> print(text, end="")
import autograd as torch
import nn.functional as F
x = F.relu(1)
>>> report
[]
"""

from __future__ import annotations

import argparse
import ast
import importlib
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["port_source", "port_file", "Finding", "main"]

# PyTorch module path -> numbagrad module path (longest prefix wins).
MODULES = {
    "torch": "autograd",
    "torch.nn": "nn",
    "torch.nn.functional": "nn.functional",
    "torch.nn.init": "nn.init",
    "torch.nn.utils": "nn.utils",
    "torch.nn.utils.rnn": "nn.utils.rnn",
    "torch.nn.modules": "nn.modules",
    "torch.nn.parameter": "nn.parameter",
    "torch.nn.parallel": "nn.parallel",
    "torch.optim": "optim",
    "torch.optim.lr_scheduler": "optim.lr_scheduler",
    "torch.utils.data": "nn.data",
    "torch.utils.data.dataloader": "nn.data.dataloader",
    "torch.utils.data.dataset": "nn.data.dataset",
    "torch.utils.data.sampler": "nn.data.sampler",
    "torch.utils.data.distributed": "nn.data.distributed",
    "torch.autograd": "autograd",
    "torch.autograd.functional": "autograd.functional",
    "torch.autograd.forward_ad": "autograd.forward_ad",
    "torch.func": "autograd.func",
    "torch.distributed": "autograd.distributed",
    "torch.testing": "autograd.testing",
}
# Modules with no numbagrad counterpart: the hint the report gives for each.
UNSUPPORTED = {
    "torch.onnx": "ONNX export is not available; drop the export step",
    "torch.utils.tensorboard": "TensorBoard logging is not available; log with print or CSV",
    "torch.cuda.amp": "mixed precision needs an accelerator; numbagrad runs on the CPU",
    "torch.amp": "mixed precision needs an accelerator; numbagrad runs on the CPU",
    "torch.jit": "TorchScript is not available; call the module directly",
    "torchvision": "torchvision is not available; build the datasets and transforms with "
    "nn.data and nn.data.transforms",
    "torchaudio": "torchaudio is not available",
    "torchtext": "torchtext is not available",
}
HINTS = {
    "cuda": "numbagrad runs on the CPU: keep .to(device) with device = 'cpu'",
    "jit": "TorchScript is not available; call the module directly",
}


@dataclass(frozen=True)
class Finding:
    """One thing the report says: where, what, and what to do."""

    line: int
    name: str
    hint: str

    def format(self, path: str) -> str:
        return f"{path}:{self.line}: {self.name}: {self.hint}"


def _target(module: str) -> tuple[str, str | None]:
    """numbagrad's module path for a PyTorch one, and a hint when there is no counterpart."""
    for bad, hint in UNSUPPORTED.items():
        if module == bad or module.startswith(bad + "."):
            return module, hint
    parts = module.split(".")
    for n in range(len(parts), 0, -1):
        prefix = ".".join(parts[:n])
        if prefix in MODULES:
            rest = parts[n:]
            return ".".join([MODULES[prefix], *rest]), None
    return module, None


_TORCH_FAMILY = frozenset({"torch", "torchvision", "torchaudio", "torchtext"})


def _is_torch(module: str) -> bool:
    return module.split(".")[0] in _TORCH_FAMILY


def _refusal(module: str, hint: str) -> str:
    """The statement standing in for an import of a module numbagrad has no counterpart for."""
    return f"raise ImportError({f'numbagrad has no counterpart of {module}: {hint}'!r})"


def _rewrite_import(node: ast.stmt, findings: list[Finding], aliases: dict[str, Any]) -> str | None:
    """The numbagrad form of one import statement, or None to keep it as it is."""
    if isinstance(node, ast.Import):
        if not any(_is_torch(a.name) for a in node.names):
            return None
        parts = []
        for a in node.names:
            if not _is_torch(a.name):
                parts.append(a.name + (f" as {a.asname}" if a.asname else ""))
                continue
            target, hint = _target(a.name)
            if hint:
                findings.append(Finding(node.lineno, f"import {a.name}", hint))
                return _refusal(a.name, hint)
            if a.asname:
                parts.append(target if a.asname == target else f"{target} as {a.asname}")
                aliases[a.asname] = target
            elif "." not in a.name:
                parts.append(f"{target} as {a.name}" if target != a.name else target)
                aliases[a.name] = target
            else:  # `import torch.nn` binds `torch`: keep that binding working
                parts.append(f"autograd as {a.name.split('.')[0]}")
                aliases[a.name.split(".")[0]] = "autograd"
        return "import " + ", ".join(parts)
    if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
        if not _is_torch(node.module):
            return None
        target, hint = _target(node.module)
        names = []
        lines = []
        if hint:
            findings.append(Finding(node.lineno, f"from {node.module} import ...", hint))
            return _refusal(node.module, hint)
        for a in node.names:
            sub = f"{node.module}.{a.name}"
            bound = a.asname or a.name
            if sub in MODULES or any(sub == k or sub.startswith(k + ".") for k in UNSUPPORTED):
                sub_target, sub_hint = _target(sub)
                if sub_hint:
                    findings.append(Finding(node.lineno, f"{sub}", sub_hint))
                    return _refusal(sub, sub_hint)
                lines.append(
                    f"import {sub_target}" if sub_target == bound
                    else f"import {sub_target} as {bound}"
                )  # fmt: skip
                aliases[bound] = sub_target
            else:
                names.append(a.name + (f" as {a.asname}" if a.asname else ""))
                aliases[bound] = f"{target}.{a.name}"
        if names:
            lines.insert(0, f"from {target} import {', '.join(names)}")
        return "; ".join(lines)
    return None


def _resolve(path: str) -> tuple[bool, str]:
    """Whether the dotted numbagrad path exists; the first missing prefix when not."""
    parts = path.split(".")
    try:
        obj: Any = importlib.import_module(parts[0])
    except ImportError:
        return False, parts[0]
    for i, name in enumerate(parts[1:], start=1):
        try:
            obj = getattr(obj, name)
        except AttributeError:
            try:
                obj = importlib.import_module(".".join(parts[: i + 1]))
            except ImportError:
                return False, ".".join(parts[: i + 1])
    return True, ""


def _attribute_chain(node: ast.Attribute) -> list[str] | None:
    chain = []
    cur: ast.AST = node
    while isinstance(cur, ast.Attribute):
        chain.append(cur.attr)
        cur = cur.value
    if not isinstance(cur, ast.Name):
        return None
    chain.append(cur.id)
    return chain[::-1]


def _check_names(
    tree: ast.AST, aliases: dict[str, str], lines: dict[str, int], findings: list[Finding]
) -> None:
    seen: set[tuple[int, str]] = set()
    checked: dict[str, tuple[bool, str]] = {}
    for alias, target in aliases.items():
        if target not in checked:
            checked[target] = _resolve(target)
        ok, missing = checked[target]
        if not ok:
            findings.append(Finding(lines[alias], alias, f"numbagrad has no {missing}"))
    inner = {id(n.value) for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
    for node in ast.walk(tree):
        if not isinstance(node, ast.Attribute) or id(node) in inner:
            continue
        chain = _attribute_chain(node)
        if not chain or chain[0] not in aliases:
            continue
        target = aliases[chain[0]]
        path = ".".join([target, *chain[1:]])
        if path not in checked:
            checked[path] = _resolve(path)
        ok, missing = checked[path]
        key = (node.lineno, ".".join(chain))
        if ok or key in seen:
            continue
        seen.add(key)
        hint = HINTS.get(chain[-1]) or HINTS.get(missing.rsplit(".", 1)[-1])
        findings.append(
            Finding(node.lineno, ".".join(chain), hint or f"numbagrad has no {missing}")
        )


def port_source(source: str) -> tuple[str, list[Finding]]:
    """Port a program's text: the rewritten text and the report's findings.

    Only the lines of top-level and nested import statements change; a statement's trailing
    comment is kept.
    """
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)
    findings: list[Finding] = []
    aliases: dict[str, str] = {}
    alias_lines: dict[str, int] = {}
    edits: list[tuple[int, int, str]] = []
    for node in ast.walk(tree):
        if not isinstance(node, (ast.Import, ast.ImportFrom)):
            continue
        before = set(aliases)
        new = _rewrite_import(node, findings, aliases)
        if new is None:
            continue
        for name in set(aliases) - before:
            alias_lines[name] = node.lineno
        first, last = node.lineno - 1, node.end_lineno - 1
        head = lines[first][: node.col_offset]  # indentation, or code before a `;`
        tail = lines[last][node.end_col_offset :]  # a trailing comment, the newline
        edits.append((first, last, f"{head}{new}{tail}"))
    for first, last, text in sorted(edits, reverse=True):
        lines[first : last + 1] = [text]
    _check_names(tree, aliases, alias_lines, findings)
    findings.sort(key=lambda f: (f.line, f.name))
    return "".join(lines), findings


def port_file(path: str | Path, out: str | Path | None = None) -> list[Finding]:
    """Port the file at ``path``, writing the result to ``out`` (stdout when None)."""
    source = Path(path).read_text()
    text, findings = port_source(source)
    if out is None:
        sys.stdout.write(text)
    else:
        Path(out).write_text(text)
    return findings


def main(argv: list[str] | None = None) -> int:
    """The command line: exit status 0 when nothing was reported, 1 otherwise."""
    parser = argparse.ArgumentParser(
        prog="python -m autograd.port",
        description="Rewrite a PyTorch program's imports for numbagrad and report what it lacks.",
    )
    parser.add_argument("script", help="the PyTorch program (.py)")
    parser.add_argument("-o", "--output", help="write the ported program here (default: stdout)")
    args = parser.parse_args(argv)
    if not Path(args.script).is_file():
        parser.error(f"script: no such file: {args.script}")
    try:
        findings = port_file(args.script, args.output)
    except SyntaxError as e:
        sys.stderr.write(f"{args.script}:{e.lineno}: not valid Python: {e.msg}\n")
        return 2
    for f in findings:
        sys.stderr.write(f.format(args.script) + "\n")
    sys.stderr.write(
        f"{len(findings)} finding(s)" + ("" if findings else ": the program ports by its imports")
        + "\n"
    )  # fmt: skip
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
