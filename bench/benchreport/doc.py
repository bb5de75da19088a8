"""The report being written: its inputs, its lines, and the target checks
the sections record for the summary."""
import re
from dataclasses import dataclass

from .counts import count_checks
from .results import SPACE, SPACE_RE
from .stats import Stats


@dataclass
class Target:
    name: str       # short name for the summary
    vcpus: object   # 1, 2 (or what the scale section says)
    met: bool


class Report:
    def __init__(self, res, tried):
        self.res = res
        self.tried = tried          # path of the fixed text (bench/tried.md)
        self.stats = Stats(res)
        self.checks = count_checks(res)
        self.lines = []
        self.targets = []

    def w(self, line):
        """Append a line (it may hold newlines: a block of text)."""
        self.lines.append(line)

    def target(self, name, vcpus, met):
        self.targets.append(Target(name, vcpus, met))

    def text(self):
        """The report: trailing blank lines and trailing white space dropped,
        one final newline."""
        out = list(self.lines)
        j = len(out) - 1
        while j > 0 and re.fullmatch(SPACE_RE + "*", out[j]):
            j -= 1
        out[j] = out[j].rstrip(SPACE)
        return "".join(line + "\n" for line in out[:j + 1])


def verdict(met, how=""):
    return ("met" if met else "**MISSED**") + (f" ({how})" if how else "")
