"""Findings: the findings.json contract, stable ids, ordering, acceptance of risks,
severity filters, the catalogue commands and what the examples must show."""

from __future__ import annotations

import json

from tests.conftest import ROOT
from tmgen.analysis import analyze, load_workload
from tmgen.render import findings_json

MODEL = """
version: 1
workload: {name: acc, as_of: 2026-11-30, data_classification: internal}
teams: {sec: {}}
responsibilities: {iam: sec}
functions:
  api:
    runtime: python3.12
    permissions:
      - {principal: "*"}
      - {principal: "*", source_account: "111122223333"}
  ingest:
    runtime: python3.8
accepted_risks:
%s
"""


def analysis(write_model, risks: str = "  []"):
    text = MODEL % risks if risks.strip() != "[]" else MODEL.replace("accepted_risks:\n%s\n", "")
    return analyze(load_workload(write_model(text)))


def test_findings_json_contract(write_model) -> None:
    data = json.loads(findings_json.render(analysis(write_model)))
    assert list(data) == ["workload", "as_of", "summary", "findings"]
    assert data["workload"] == "acc" and data["as_of"] == "2026-11-30"
    assert list(data["summary"]) == ["critical", "high", "medium", "low", "info", "accepted"]
    f = next(x for x in data["findings"] if x["rule"] == "IAM-001")
    assert list(f) == [
        "id",
        "rule",
        "title",
        "component",
        "stride",
        "severity",
        "owner",
        "team",
        "element",
        "location",
        "evidence",
        "mitigations",
        "accepted",
    ]
    assert f["id"] == "IAM-001@functions.api.permissions[0]"
    assert f["element"] == "functions.api.permissions[0]"
    assert f["location"]["line"] == 9 and f["location"]["column"] == 9
    assert f["severity"] == "critical" and f["owner"] == "Customer" and f["team"] == "sec"
    assert f["evidence"]["principal"] == "*" and f["accepted"] is None
    assert set(f["stride"]) <= set("STRIDE") and f["mitigations"]


def test_order_severity_rule_element(write_model) -> None:
    from tmgen.findings import SEVERITY_RANK

    fs = analysis(write_model).findings
    keys = [(SEVERITY_RANK[f.severity], f.rule, f.element) for f in fs]
    assert keys == sorted(keys)


def test_ids_survive_reordering(write_model) -> None:
    a = {f.id for f in analysis(write_model).findings}
    swapped = MODEL.replace("accepted_risks:\n%s\n", "")
    api = swapped[swapped.index("  api:") : swapped.index("  ingest:")]
    ingest = swapped[swapped.index("  ingest:") :]
    swapped = swapped[: swapped.index("  api:")] + ingest + api
    b = {f.id for f in analyze(load_workload(write_model(swapped, "swapped.yaml"))).findings}
    assert a == b


def test_acceptance_with_expiry(write_model) -> None:
    a = analysis(
        write_model,
        """\
  - {rule: IAM-001, element: functions.api, justification: Public webhook, owner: sec, expires: 2027-01-31}
  - {rule: RT-001, element: functions.ingest, justification: Migrating, owner: sec, expires: 2026-10-01}
""",
    )
    by_rule = {f.rule: f for f in a.findings if f.rule in ("IAM-001", "RT-001")}
    iam = by_rule["IAM-001"]
    assert iam.accepted and not iam.accepted.expired and iam.accepted.justification == "Public webhook"
    assert not iam.active  # an acceptance on functions.api covers functions.api.permissions[0]
    rt = by_rule["RT-001"]
    assert rt.accepted and rt.accepted.expired and rt.active
    data = json.loads(findings_json.render(a))
    assert data["summary"]["accepted"] == 1
    entry = next(f for f in data["findings"] if f["rule"] == "RT-001")
    assert entry["accepted"] == {"justification": "Migrating", "owner": "sec", "expires": "2026-10-01", "expired": True}


def test_acceptance_that_matches_nothing_is_a_located_warning(write_model) -> None:
    a = analysis(
        write_model,
        """\
  - {rule: IAM-001, element: functions.ingest, justification: nothing there}
  - {rule: XYZ-001, justification: no such rule}
""",
    )
    texts = [str(w) for w in a.warnings]
    assert any(":14:5: warning: accepted risk IAM-001 on functions.ingest matches no finding" in t for t in texts), (
        texts
    )
    assert any("unknown rule XYZ-001" in t for t in texts)


def test_renewed_acceptance_wins_over_the_expired_one(write_model) -> None:
    a = analysis(
        write_model,
        """\
  - {rule: RT-001, element: functions.ingest, justification: Migrating, expires: 2026-10-01}
  - {rule: RT-001, element: functions.ingest, justification: Extended, expires: 2027-01-31}
""",
    )
    rt = next(f for f in a.findings if f.rule == "RT-001")
    assert rt.accepted and not rt.accepted.expired and rt.accepted.justification == "Extended"
    assert not rt.active
    assert not any("matches no finding" in str(w) for w in a.warnings)


def test_acceptance_does_not_cover_a_sibling_with_a_longer_name(write_model) -> None:
    text = MODEL.replace("  ingest:\n", "  ingest:\n    runtime: python3.8\n  ingestion:\n", 1)
    text = text % "  - {rule: RT-001, element: functions.ingest, justification: Migrating}"
    by_element = {f.element: f for f in analyze(load_workload(write_model(text))).findings if f.rule == "RT-001"}
    assert not by_element["functions.ingest.runtime"].active
    assert by_element["functions.ingestion.runtime"].active


def test_as_of_reactivates_an_expired_acceptance(write_model) -> None:
    import datetime as dt

    text = MODEL % "  - {rule: RT-001, justification: later, expires: 2027-01-31}"
    path = write_model(text)
    assert not next(f for f in analyze(load_workload(path)).findings if f.rule == "RT-001").active
    later = analyze(load_workload(path), dt.date(2027, 2, 1))
    assert next(f for f in later.findings if f.rule == "RT-001").active


def test_min_severity_filter(write_model, run_cli) -> None:
    path = write_model(MODEL.replace("accepted_risks:\n%s\n", ""))
    data = json.loads(run_cli("threats", str(path), "--format", "json", "--min-severity", "high").out)
    assert data["findings"] and {f["severity"] for f in data["findings"]} <= {"critical", "high"}


def test_rules_json_and_explain(run_cli) -> None:
    rules = json.loads(run_cli("rules", "--format", "json").out)
    assert len(rules) >= 49 and {"id", "title", "mitigations", "references", "equivalents"} <= set(rules[0])
    res = run_cli("explain", "iam-009")
    assert res.code == 0 and res.out.startswith("IAM-009: ") and "How to fix:" in res.out
    wrong = run_cli("explain", "IAM-90")
    assert wrong.code == 2 and "did you mean" in wrong.err


def _findings(name: str):
    return analyze(load_workload(ROOT / "examples" / f"{name}.yaml")).findings


def test_naive_example_shows_its_critical_and_high_findings() -> None:
    got = {(f.rule, f.severity) for f in _findings("naive-public-api") if f.active}
    for expected in [
        ("IAM-001", "critical"),
        ("IAM-002", "critical"),
        ("CFG-001", "critical"),
        ("RT-001", "high"),
        ("CODE-002", "high"),
        ("IAM-005", "high"),
        ("NET-001", "high"),
    ]:
        assert expected in got, expected


def test_seed_pattern_has_no_critical_or_high_finding() -> None:
    bad = [f.id for f in _findings("seed-vpc-pattern") if f.severity in ("critical", "high")]
    assert bad == []


def test_platform_example_acceptances() -> None:
    fs = _findings("multi-account-platform")
    accepted = [f for f in fs if f.accepted]
    assert any(f.accepted.expired for f in accepted) and any(not f.accepted.expired for f in accepted)
