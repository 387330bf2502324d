"""ruff-like text output: `path:line:col: CODE [*] message`, then a summary line.

`[*]` marks a finding with a safe fix, the ones `hybridize fix` applies without further flags (ruff
puts its fixable marker in the same place). Notes (skipped files) are rendered separately so the
command line can send them to standard error.
"""
from __future__ import annotations

from hybridize_bot.analysis.model import Finding, FixSafety, Note
from .report import Report, by_code


def render(report: Report, *, show_fixes: bool = False, statistics: bool = False, quiet: bool = False) -> str:
    lines: list[str] = []
    if statistics:
        lines.extend(_statistics(report.findings))
    else:
        lines.extend(finding_line(f) for f in report.findings)
    if show_fixes and not quiet:
        fixes = [f for f in report.findings if f.fix is not None]
        if fixes:
            lines.append("")
            lines.append("Available fixes:")
            lines.extend(f"  {_where(f)}: {f.code} [{f.fix.safety.value}] {f.fix.description}" for f in fixes)  # type: ignore[union-attr]
    if not quiet:
        if lines:
            lines.append("")
        lines.append(summary_line(report.findings))
    return "\n".join(lines) + "\n" if lines else ""


def finding_line(f: Finding) -> str:
    marker = " [*]" if f.fix_safety is FixSafety.SAFE else ""
    message = " ".join(f.message.splitlines())
    if f.call_path and f.graph_root and "reached from" not in message:
        # Rules that word the path themselves (base.via_text) already name the root.
        message += f" (reached from tf.function {f.graph_root})"
    # One finding, one line, whatever the message holds: the format is meant for grep and editors.
    return f"{_where(f)}: {f.code}{marker} {message}"


def _where(f: Finding) -> str:
    return f"{f.path}:{f.line}:{f.col}"


def summary_line(findings: list[Finding]) -> str:
    if not findings:
        return "All checks passed!"
    n = len(findings)
    fixable = sum(1 for f in findings if f.fix_safety is FixSafety.SAFE)
    text = f"Found {n} finding{'s' if n != 1 else ''}"
    if fixable:
        text += f" ({fixable} fixable with `hybridize fix`)"
    return text + "."


def _statistics(findings: list[Finding]) -> list[str]:
    names = {f.code: f.name for f in findings}
    safe = {f.code for f in findings if f.fix_safety is FixSafety.SAFE}
    return [f"{count:>5}  {code}  [{'*' if code in safe else ' '}] {names[code]}"
            for code, count in sorted(by_code(findings).items(), key=lambda kv: (-kv[1], kv[0]))]


def render_notes(notes: list[Note]) -> str:
    return "".join(f"{n.path}: note: {n.message}\n" for n in notes)
