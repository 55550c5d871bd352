"""No float touches money: the money code paths call no ``float()`` and hold no float literal.

An AST walk, simple and honest: a float would come in through a ``float(...)`` call or a literal
such as ``0.5`` in the arithmetic; both are refused in the modules below. Type annotations and
settings (a timeout in seconds) are not in these modules' arithmetic and are not scanned.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MONEY_MODULES = [
    "apps/core/money.py",
    "apps/vouchers/services.py",
    "apps/vouchers/selectors.py",
    "apps/assistances/services/providers.py",
    "apps/masters/exchange_rates.py",
    "apps/masters/management/commands/load_exchange_rates.py",
    "apps/masters/tasks.py",
    "apps/guarantees/services.py",
    "apps/guarantees/selectors.py",
    "apps/guarantees/words.py",
    "apps/guarantees/letter.py",
    "apps/guarantees/api/serializers.py",
    "apps/claims/bordereau.py",
    "apps/claims/api/bordereaux.py",
]


def _floats(tree: ast.AST) -> list[str]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "float":
            found.append(f"line {node.lineno}: float() call")
        if isinstance(node, ast.Constant) and isinstance(node.value, float):
            found.append(f"line {node.lineno}: float literal {node.value!r}")
    return found


@pytest.mark.parametrize("module", MONEY_MODULES)
def test_money_modules_use_no_float(module):
    tree = ast.parse((ROOT / module).read_text(encoding="utf-8"))
    assert _floats(tree) == []


def test_the_check_finds_floats():
    assert len(_floats(ast.parse("total = float(amount) * 1.1"))) == 2
