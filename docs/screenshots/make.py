"""Screenshots of what a pull request sees, taken from the bodies the App actually sends.

The real App runs against the fake GitHub (the end-to-end harness in tests/e2e) through one scripted
pull request on the tests' small TensorFlow project: opened with six misuses, a second push that fixes
two and adds one, then `@hybridize-bot explain HYB004`. Each body the App sent is rendered with
cmark-gfm (`cmarkgfm`, GitHub's own Markdown library, as the tests render it), wrapped in a GitHub-like
page (github.css, written for this project) and photographed with headless Chromium.

    apt-get install -y chromium fonts-noto-color-emoji    # not needed in CI: the PNGs are checked in
    .venv/bin/python docs/screenshots/make.py             # from the repository root

Writes check-run.png, inline-comment.png, summary.png, follow-up.png and explain.png next to this file.
"""
from __future__ import annotations

import asyncio
import html
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))  # the tests package holds the harness and the fake GitHub

from tests.e2e.followup_harness import add_comment, comment_event, followups, open_pr, pr_event  # noqa: E402
from tests.e2e.harness import start_bot, stop_bot  # noqa: E402
from tests.e2e.project import METRICS, TRAIN_PR  # noqa: E402
from tests.fakegithub.state import IssueComment  # noqa: E402
from tests.github_markdown import check_html, comment_html  # noqa: E402

WIDTH = 912  # .page is 880 px plus padding
EXTRA = """import tensorflow as tf


@tf.function
def extra(x):
    print("extra", x)
    return x
"""


async def collect(data_dir: Path) -> dict[str, Any]:
    """Drive the App through the scenario; return what it sent, as the fake GitHub stored it."""
    fake, bot = await start_bot(data_dir)
    try:
        pr = open_pr(fake)
        await bot.deliver("pull_request", pr_event(bot, pr, "opened"))
        first_comments = list(bot.review_comments(pr))
        first = pr.head_sha
        fake.push(pr.repo, "feature", {
            "train.py": TRAIN_PR.replace('print("step", x)', 'tf.print("step", x)').encode(),
            "metrics.py": METRICS.replace('print("computing', 'tf.print("computing').encode(),
            "extra.py": EXTRA.encode()})
        await bot.deliver("pull_request", pr_event(bot, pr, "synchronize", before=first))
        ask = add_comment(fake, pr, "@hybridize-bot explain HYB004", "alice")
        await bot.deliver("issue_comment", comment_event(bot, pr, ask))
        (follow,) = followups(fake, pr)
        files = {p: fake.store.blobs[b].decode() for p, (_m, b) in fake.store.files_at(pr.head_sha).items()
                 if p.endswith(".py")}
        comments: list[IssueComment] = bot.issue_comments(pr)
        return {
            "pr": pr, "run": bot.check_runs(pr.head_sha)[-1],
            "inline": next(c for c in first_comments if "HYB010" in c.body),
            "summary": next(c for c in comments if c.body.startswith("<!-- hybridize-bot:summary")),
            "explain": next(c for c in comments if "reply to=" in c.body),
            "follow": follow, "files": files,
        }
    finally:
        await stop_bot(fake, bot)


# ---------------------------------------------------------------- pages

def page(content: str) -> str:
    css = (HERE / "github.css").read_text()
    return (f"<!doctype html><html><head><meta charset='utf-8'><style>{css}</style></head><body>"
            f"<div class='page' id='page'>{content}</div><script>document.body.setAttribute('data-height', "
            "Math.ceil(document.getElementById('page').getBoundingClientRect().bottom));</script></body></html>")


def comment_box(who: str, body_html: str, action: str = "commented") -> str:
    return (f"<div class='box'><div class='box-header'><span class='avatar'></span><strong>{who}</strong>"
            f"<span class='label'>bot</span> {action}</div><div class='markdown-body'>{body_html}</div></div>")


def with_suggestion_boxes(body_html: str, old_lines: list[str]) -> str:
    """GitHub shows a ```suggestion block as a diff of the commented lines with a Commit button."""
    def box(match: re.Match[str]) -> str:
        new = html.unescape(match.group(1)).rstrip("\n").split("\n")
        rows = [f"<div class='line del'>- {html.escape(line)}</div>" for line in old_lines]
        rows += [f"<div class='line add'>+ {html.escape(line)}</div>" for line in new]
        return ("<div class='suggestion'><div class='head'>Suggested change</div>" + "".join(rows)
                + "<div class='foot'><span class='button'>Commit suggestion</span></div></div>")
    return re.sub(r'<pre lang="suggestion"><code>(.*?)</code></pre>', box, body_html, flags=re.DOTALL)


def inline_page(comment: Any, files: dict[str, str]) -> str:
    hunk = comment.diff_hunk.split("\n")[-4:]
    rows = "".join(f"<div class='{'add' if line.startswith('+') else 'meta' if line.startswith('@@') else 'ctx'}'>"
                   f"{html.escape(line)}</div>" for line in hunk)
    source = files[comment.path].split("\n")
    first = comment.start_line or comment.line
    body = with_suggestion_boxes(comment_html(comment.body), source[first - 1:comment.line])
    return page(f"<div class='box'><div class='box-header'><strong>{html.escape(comment.path)}</strong></div>"
                f"<div class='hunk'>{rows}</div><div class='markdown-body'>"
                f"<div class='box'><div class='box-header'><span class='avatar'></span><strong>hybridize-bot</strong>"
                f"<span class='label'>bot</span> commented</div><div class='markdown-body'>{body}</div></div>"
                "</div></div>")


def check_run_page(run: Any) -> str:
    annotations = "".join(
        f"<div class='annotation'><span class='level-{a['annotation_level']}'>{a['annotation_level'].title()}</span>"
        f" <strong>{html.escape(a['title'])}</strong><div class='where'>{html.escape(a['path'])}#L{a['start_line']}"
        f"</div><div class='msg'>{html.escape(a['message'])}</div></div>" for a in run.annotations)
    return page(f"<div class='box'><div class='box-header'><strong>hybridize</strong>"
                f"<span class='conclusion'>{run.conclusion}</span></div><div class='markdown-body'>"
                f"<div class='check-title'>{html.escape(run.output['title'])}</div>"
                f"{check_html(run.output['summary'])}</div>"
                f"<div class='box-header'><strong>Annotations</strong> · {len(run.annotations)}</div>{annotations}</div>")


def follow_up_page(follow: Any) -> str:
    title = html.escape(follow.issue.title)
    return page(f"<div class='pr-title'>{title} <span class='num'>#{follow.number}</span></div>"
                f"<span class='state'>Open</span><span class='caption'>hybridize-bot wants to merge 1 commit into "
                f"<code>{html.escape(follow.base_ref)}</code> from <code>{html.escape(follow.head_ref)}</code></span>"
                + comment_box("hybridize-bot", comment_html(follow.issue.body), "opened this pull request"))


# ---------------------------------------------------------------- chromium

def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    raise SystemExit("headless Chromium is needed: apt-get install -y chromium fonts-noto-color-emoji")


def shoot(document: str, png: Path, work: Path) -> None:
    """Measure the page's height in a first run (the page writes it into the DOM), then photograph it."""
    source = work / (png.stem + ".html")
    source.write_text(document, encoding="utf-8")
    common = [chromium(), "--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
              "--force-device-scale-factor=1", f"--user-data-dir={work / 'profile'}"]
    dom = subprocess.run([*common, f"--window-size={WIDTH},800", "--dump-dom", source.as_uri()],
                         check=True, capture_output=True, text=True, timeout=120).stdout
    match = re.search(r'data-height="(\d+)"', dom)
    height = int(match.group(1)) + 16 if match else 1200
    subprocess.run([*common, f"--window-size={WIDTH},{height}", f"--screenshot={png}", source.as_uri()],
                   check=True, capture_output=True, timeout=120)


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="hybridize-screenshots-") as tmp:
        work = Path(tmp)
        seen = asyncio.run(collect(work / "bot"))
        pages = {
            "check-run": check_run_page(seen["run"]),
            "inline-comment": inline_page(seen["inline"], seen["files"]),
            "summary": page(comment_box("hybridize-bot", comment_html(seen["summary"].body))),
            "follow-up": follow_up_page(seen["follow"]),
            "explain": page(comment_box("hybridize-bot", comment_html(seen["explain"].body))),
        }
        for name, document in pages.items():
            shoot(document, HERE / f"{name}.png", work)
            print(f"wrote {(HERE / f'{name}.png').relative_to(ROOT)}")


if __name__ == "__main__":
    main()
