"""Lenient reading of model output: what is repaired (and counted) and what is refused."""

from __future__ import annotations

import pytest

from foundry.agent.errors import ModelOutputError
from foundry.agent.providers.normalise import validate
from foundry.agent.schemas.planning import ScoreHealthResult
from foundry.agent.schemas.requirements import RefineRequirementResult

FACTORS = (
    '{"velocityScore": 80, "taskAgingScore": 70, "riskScore": 90, "gatePassRate": 100, '
    '"dependencyScore": 60}'
)
GOOD = f'{{"health": "on_track", "healthScore": 80, "factors": {FACTORS}, "reasoning": "fine"}}'


def test_clean_json_needs_no_coercion() -> None:
    result, notes = validate(GOOD, ScoreHealthResult)
    assert result.health == "on_track"
    assert notes == []


def test_json_inside_prose_and_fences_is_found_and_counted() -> None:
    for text in (f"Here you go:\n{GOOD}\nHope it helps", f"```json\n{GOOD}\n```"):
        result, notes = validate(text, ScoreHealthResult)
        assert result.healthScore == 80
        assert len(notes) == 1 and notes[0].startswith("json:")


def test_closest_enum_and_clamping_are_recorded() -> None:
    result, notes = validate(
        '{"health": "On Track", "healthScore": 140, "reasoning": "x"}', ScoreHealthResult
    )
    assert result.health == "on_track" and result.healthScore == 100
    assert any("'On Track' -> 'on_track'" in n for n in notes)
    assert any("140" in n for n in notes)
    assert any("factors: missing" in n for n in notes)


def test_missing_wrapper_key_is_added() -> None:
    inner = (
        '{"overall_assessment": {"clarity_score": 4, "completeness_score": 5, '
        '"testability_score": 3, "summary": "vague"}}'
    )
    result, notes = validate(inner, RefineRequirementResult)
    assert result.refinement.overall_assessment.clarity_score == 4
    assert any(n.startswith("wrapper") for n in notes)


@pytest.mark.parametrize(
    "text",
    [
        "I cannot help with that.",
        '{"health": "on_track", "healthScore": ',
        '{"health": "on_track"}',
        '{"health": "on_track", "healthScore": "very high"}',
    ],
)
def test_unrepairable_output_is_refused_whole(text: str) -> None:
    with pytest.raises(ModelOutputError) as caught:
        validate(text, ScoreHealthResult)
    assert caught.value.http_status == 502
