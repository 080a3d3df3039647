"""The pure parts of the load benchmark (bench/load_bench.py): its table and the accounts
it hands to locust. The load itself runs in `make bench-load`, not here."""
import math
from types import SimpleNamespace

from bench.load_bench import accounts_needed, percentile, plan_accounts, summarize, unexpected


def test_the_table_times_the_expected_answers_after_the_ramp_and_counts_every_error():
    requests = [["login", 302, 900.0, True, 1.0, ""], ["search", 200, 500.0, True, 2.0, ""],  # during the ramp
                ["search", 503, 30.0, False, 3.0, "HTTP 503"],
                ["search", 200, 10.0, True, 40.0, ""], ["search", 200, 30.0, True, 41.0, ""],
                ["search", 200, 20.0, True, 42.0, ""], ["search", 503, 5000.0, False, 43.0, "HTTP 503"],
                ["upload", 200, 100.0, True, 44.0, ""], ["upload", 0, 0.0, False, 45.0, "ConnectionResetError"],
                ["review", 409, 40.0, True, 46.0, ""]]
    assert summarize(requests, since=31.0) == [
        ("login", 1, 900.0, 900.0, 0), ("review", 1, 40.0, 40.0, 0), ("search", 4, 20.0, 29.0, 2),
        ("upload", 2, 100.0, 100.0, 1)]
    assert {kind: dict(statuses) for kind, statuses in unexpected(requests).items()} == {
        "search": {"503 HTTP 503": 2}, "upload": {"0 ConnectionResetError": 1}}


def test_percentiles_of_few_samples():
    assert percentile([], 95) != percentile([], 95)  # NaN: nothing to time
    assert percentile([7.0], 95) == 7.0
    assert percentile([1.0, 2.0, 3.0, 4.0, 5.0], 50) == 3.0
    assert math.isclose(percentile([float(n) for n in range(1, 101)], 95), 95.05)


def test_staff_share_their_office_address_and_everyone_else_has_their_own():
    installation = SimpleNamespace(agency_ids=[4, 9], editors=[("e1", 4), ("e1s2", 4), ("e2", 9)],
                                   reviewer_names=["r1", "r2"], assessor_names=["assessor"])
    plan = plan_accounts(installation)
    assert plan["staff"] == [["e1", "10.20.1.1", 4], ["e1s2", "10.20.1.1", 4], ["e2", "10.20.2.1", 9]]
    addresses = [address for role in ("reviewers", "assessors") for _, address, _ in plan[role]]
    assert len(set(addresses)) == 3 and not set(addresses) & {"10.20.1.1", "10.20.2.1"}


def test_there_are_accounts_for_everybody_at_the_largest_run():
    assert accounts_needed(200) == {"staff": 140, "reviewers": 40, "assessors": 20}
    assert sum(accounts_needed(50).values()) >= 50
