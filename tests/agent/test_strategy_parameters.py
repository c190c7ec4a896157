"""Strategy parameters in the order's own custom tags: IS's urgency and POV's participation, each a configured tag."""

from __future__ import annotations

import pytest
import quickfix as fix
from engine_harness import Harness

from agent.core.oms_requests import NewOrderRequest
from agent.fix.oms_gateway import parse_oms_message
from strategies.shapes import FrontLoaded

IS = "1001"


def test_urgency_tag_makes_is_front_load_as_asked() -> None:
    h = Harness()
    calm = h.new(100_000, strategy=IS, duration=600.0)
    keen = h.new(100_000, strategy=IS, duration=600.0, parameters=(("urgency", "3"),))
    new = {r.cl_ord_id: r.text for r in h.oms.reports if r.exec_type == "0"}
    assert new[keen] is not None and new[keen].startswith("accepted: IS urgency 3 until")
    assert new[calm] is not None and new[calm].startswith("accepted: IS until")
    parents = {p.cl_ord_id: p for p in h.engine.parents.values()}
    shape = FrontLoaded(h.cfg.implementation_shortfall.urgency)  # the configured κT = 1
    half = parents[keen].start + 300.0
    # κT = 3 has about 79% due by half time; the configured 1 about 56%.
    assert shape.due_share(parents[keen].view(), half) == pytest.approx(0.79, abs=0.01)
    assert shape.due_share(parents[calm].view(), half) == pytest.approx(0.56, abs=0.01)


def test_participation_tag_reaches_pov() -> None:
    h = Harness()
    cl = h.new(10_000, strategy="2", duration=600.0, parameters=(("participation", "0.05"),))
    (parent,) = [p for p in h.engine.parents.values() if p.cl_ord_id == cl]
    assert parent.participation == 0.05
    assert h.engine.decisions.strategies["POV"].rate(parent.view()) == 0.05  # type: ignore[attr-defined]


@pytest.mark.parametrize(("parameters", "text"), [
    ((("urgency", "fast"),), "Urgency(7001) must be a number in [0, 50], got 'fast'"),
    ((("urgency", "51"),), "Urgency(7001) must be a number in [0, 50], got '51'"),
    ((("urgency", "nan"),), "Urgency(7001) must be a number in [0, 50]"),
    ((("participation", "0"),), "Participation(7002) must be a number in (0, 1], got '0'"),
    ((("participation", "1.5"),), "Participation(7002) must be a number in (0, 1], got '1.5'"),
])
def test_bad_parameters_are_rejected_naming_the_tag(parameters: tuple[tuple[str, str], ...], text: str) -> None:
    h = Harness()
    cl = h.new(1_000, strategy=IS, parameters=parameters)
    (reject,) = [r for r in h.oms.reports if r.cl_ord_id == cl and r.exec_type == "8"]
    assert reject.text is not None and text in reject.text
    assert not h.engine.parents


def test_the_gateway_reads_the_configured_tags_only() -> None:
    msg = fix.Message()
    msg.getHeader().setField(35, "D")
    for tag, value in ((11, "A1"), (55, "ACME"), (54, "1"), (38, "100"), (40, "1"), (7001, "2.5"), (7002, "0.1"),
                       (7003, "x")):
        msg.setField(tag, value)
    request = parse_oms_message(msg, "S", {"urgency": 7001, "participation": 7002})
    assert isinstance(request, NewOrderRequest)
    assert request.parameters == (("urgency", "2.5"), ("participation", "0.1"))
    only = parse_oms_message(msg, "S", {"urgency": 7001})
    assert isinstance(only, NewOrderRequest) and only.parameters == (("urgency", "2.5"),)
    assert isinstance(none := parse_oms_message(msg, "S"), NewOrderRequest) and none.parameters == ()
