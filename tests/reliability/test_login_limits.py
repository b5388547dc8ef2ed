"""Login rate limits: per name and per address, slow then blocked, never for good; the
same answer in the same time for unknown names and wrong passwords."""

from __future__ import annotations

import sqlite3
import statistics
import threading
import time
from pathlib import Path

import bcrypt
import pytest
from starlette.testclient import TestClient

from studio.accounts import store as accounts
from studio.accounts.login_check import NO_MATCH, check_login
from studio.accounts.login_cookie import COOKIE_NAME
from studio.accounts.login_limits import Attempt, LoginLimits, LoginPolicy, Refusal
from studio.accounts.store import AccountStore
from studio.services import WebConfig
from tests.fixtures.studio import SAME_SITE, USERS, web_client, web_config

WINDOW_S = LoginPolicy().window_s
BLOCKED = "Too many failed logins for this name or from this address"


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def limits(tmp_path: Path, clock: Clock) -> LoginLimits:
    return LoginLimits(tmp_path / "catalog.sqlite3", clock=clock)


def fail(limits: LoginLimits, name: str, address: str | None = None) -> float:
    attempt = limits.begin(name, address)
    assert isinstance(attempt, Attempt), attempt
    return limits.failed(attempt)


# -- the policy, on its own clock ----------------------------------------------------


def test_ten_failures_slow_down_then_block_until_the_window_passes(
    limits: LoginLimits, clock: Clock
):
    waits = []
    for _ in range(10):
        waits.append(fail(limits, "ana"))
        clock.now += 1
    assert waits == [0, 0, 0, 0.5, 1, 2, 4, 8, 8, 8]  # typos answer at once; guessing slows

    refusal = limits.begin("ana", None)
    assert isinstance(refusal, Refusal)
    assert refusal.retry_after_s == pytest.approx(WINDOW_S - 10)  # the oldest failure ages out
    assert "Try again in 15 minutes." in refusal.message

    clock.now += refusal.retry_after_s + 0.01
    attempt = limits.begin("ana", None)  # the real user, after the window
    assert isinstance(attempt, Attempt)
    limits.succeeded(attempt)
    assert limits.failures("ana") == 0


def test_blocked_tries_are_not_counted_so_no_lockout_is_permanent(
    limits: LoginLimits, clock: Clock
):
    for _ in range(10):
        fail(limits, "ana")  # one guess a minute
        clock.now += 60
    first_failure = clock.now - 600
    for _ in range(100):  # an attacker hammering on through the block
        assert isinstance(limits.begin("ana", None), Refusal)
        clock.now += 2.99
    clock.now = first_failure + WINDOW_S + 0.01
    assert isinstance(limits.begin("ana", None), Attempt)  # the block ended, hammering or not
    # Guessing on from here gets one try per failure that ages out (one a minute), no more.
    refusal = limits.begin("ana", None)
    assert isinstance(refusal, Refusal) and refusal.retry_after_s == pytest.approx(60, abs=0.1)


def test_an_address_is_limited_across_names_and_a_name_across_addresses(limits: LoginLimits):
    for n in range(10):
        fail(limits, f"guess{n}", "203.0.113.7")  # spraying names from one address
    assert isinstance(limits.begin("ana", "203.0.113.7"), Refusal)
    assert isinstance(limits.begin("ana", "198.51.100.1"), Attempt)  # ana elsewhere is fine

    for n in range(10):
        fail(limits, "ben", f"192.0.2.{n}")  # one name from many addresses
    assert isinstance(limits.begin("ben", "192.0.2.200"), Refusal)


def test_a_right_password_clears_the_names_count_but_not_the_addresss(limits: LoginLimits):
    for _ in range(5):
        fail(limits, "ana", "203.0.113.7")
    attempt = limits.begin("ana", "203.0.113.7")
    assert isinstance(attempt, Attempt) and attempt.failures == 6
    limits.succeeded(attempt)
    assert limits.failures("ana") == 0
    assert limits.failures("someone", "203.0.113.7") == 5  # one good account launders nothing


def test_counts_hold_across_restarts_and_beside_the_accounts(tmp_path: Path, clock: Clock):
    db = tmp_path / "catalog.sqlite3"
    AccountStore(db).add("ana", USERS["ana"])
    for _ in range(10):
        fail(LoginLimits(db, clock=clock), "ana")
    AccountStore(db)  # the studio starting again
    assert isinstance(LoginLimits(db, clock=clock).begin("ana", None), Refusal)
    assert [a.username for a in AccountStore(db).all()] == ["ana"]


def test_parallel_tries_cannot_slip_past_the_limit(limits: LoginLimits):
    results: list[Attempt | Refusal] = []
    start = threading.Barrier(30)

    def try_once() -> None:
        start.wait()
        results.append(limits.begin("ana", "203.0.113.7"))

    threads = [threading.Thread(target=try_once) for _ in range(30)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sum(isinstance(r, Attempt) for r in results) == 10
    assert sum(isinstance(r, Refusal) for r in results) == 20


def test_a_megabyte_login_name_is_counted_without_storing_it(limits: LoginLimits):
    for _ in range(10):
        fail(limits, "x" * 1_000_000)
    assert isinstance(limits.begin("x" * 1_000_000, None), Refusal)
    with sqlite3.connect(limits.db_path) as db:
        longest = db.execute("SELECT MAX(LENGTH(subject)) FROM login_failures").fetchone()[0]
    assert longest <= 110


# -- the password check: same answer, same time -------------------------------------


TIMING_ROUNDS = 8  # bcrypt well above the SQLite work around it, yet ~20 ms a check
SAMPLES = 20


def test_unknown_names_and_wrong_passwords_answer_alike_in_the_same_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    # The tests' cost-4 bcrypt is as quick as the SQLite work, which would hide a missing check.
    monkeypatch.setattr(accounts, "BCRYPT_ROUNDS", TIMING_ROUNDS)
    one_check = bcrypt.hashpw(b"a secret", bcrypt.gensalt(TIMING_ROUNDS))
    monkeypatch.setattr(accounts, "DUMMY_HASH", one_check)
    store = AccountStore(tmp_path / "catalog.sqlite3")
    store.add("ana", USERS["ana"])
    store.add("carl", "carl-password-1")
    store.set_disabled("carl", True)
    patient = LoginLimits(store.db_path, LoginPolicy(max_failures=1000, slow_after=1000))

    def seconds(name: str, password: str) -> float:
        # What differs between the cases: the account's lookup and the password check
        # (recording the failure after it is the same SQLite write for all). The thread's CPU
        # time is the work done, which busy neighbours on the machine do not stretch.
        started = time.thread_time()
        accounts.password_matches(store.password_hash(name), password)
        return time.thread_time() - started

    def bcrypt_check_s() -> float:
        started = time.thread_time()
        bcrypt.checkpw(b"not it", one_check)
        return time.thread_time() - started

    cases = {
        "wrong password": ("ana", "not-her-password"),
        "unknown name": ("nobody", "not-her-password"),
        "disabled account": ("carl", "carl-password-1"),
        "73-byte password": ("ana", "p" * 73),
    }
    for name, password in cases.values():
        answer = check_login(store, patient, name, password, None)
        assert (answer.matched, answer.message) == (False, NO_MATCH)  # no hint either way
    samples: dict[str, list[float]] = {case: [] for case in [*cases, "one bcrypt check"]}
    for _ in range(SAMPLES):  # interleaved, so a busy neighbour slows every case alike
        for case, args in cases.items():
            samples[case].append(seconds(*args))
        samples["one bcrypt check"].append(bcrypt_check_s())
    medians = {case: statistics.median(times) for case, times in samples.items()}
    reference = medians["wrong password"]
    assert reference > 0.8 * medians["one bcrypt check"], medians  # a real bcrypt check ran
    for case in cases:
        assert 0.6 < medians[case] / reference < 1.6, (case, medians)
    assert check_login(store, patient, "ana", USERS["ana"], None).matched


def test_while_blocked_even_the_right_password_is_not_checked(tmp_path: Path):
    store = AccountStore(tmp_path / "catalog.sqlite3")
    store.add("ana", USERS["ana"])
    limits = LoginLimits(store.db_path, LoginPolicy(max_failures=2, slow_after=5))
    for _ in range(2):
        check_login(store, limits, "ana", "wrong", None)
    answer = check_login(store, limits, "ana", USERS["ana"], None)
    assert not answer.matched and answer.blocked and answer.message.startswith(BLOCKED)


# -- through the login route (the form's post) ----------------------------------------


def age_failures(data: Path, seconds: float) -> None:
    """Let time pass for the stored failures (the studio's clock is the wall clock)."""
    with sqlite3.connect(data / "catalog.sqlite3") as db:
        db.execute("UPDATE login_failures SET at = at - ?", (seconds,))


@pytest.fixture
def waits() -> list[float]:
    return []


@pytest.fixture
def config(studio_data: Path, waits: list[float]) -> WebConfig:
    """The web layer of the studio under test; slow-down waits recorded, not slept."""
    config = web_config(studio_data)

    async def record(seconds: float) -> None:
        waits.append(seconds)

    config.wait = record
    return config


def post_login(client: TestClient, username: str, password: str) -> tuple[int, str]:
    answer = client.post(
        "/auth/login", data={"username": username, "password": password}, headers=SAME_SITE
    )
    return answer.status_code, answer.text


def test_the_form_slows_then_blocks_a_guesser_and_lets_the_real_user_in_later(
    studio_data: Path, config: WebConfig, waits: list[float]
):
    client = web_client(config, follow_redirects=False)
    for n in range(10):
        status, page = post_login(client, "ana", f"guess-{n}")
        assert status == 401 and NO_MATCH in page
    assert waits == [0, 0, 0, 0.5, 1, 2, 4, 8, 8, 8]

    status, page = post_login(client, "ana", USERS["ana"])  # right password, still blocked
    assert status == 429 and BLOCKED in page and not client.cookies.get(COOKIE_NAME)
    other = web_client(config, address="198.51.100.20", follow_redirects=False)
    assert post_login(other, "ben", USERS["ben"])[0] == 303  # others are not affected

    age_failures(studio_data, WINDOW_S)
    assert post_login(client, "ana", USERS["ana"])[0] == 303


def test_an_unknown_name_gets_the_same_messages_and_block(config: WebConfig, waits: list[float]):
    client = web_client(config, follow_redirects=False)
    for n in range(10):
        status, page = post_login(client, "nobody", f"guess-{n}")
        assert status == 401 and NO_MATCH in page
    assert waits == [0, 0, 0, 0.5, 1, 2, 4, 8, 8, 8]
    status, page = post_login(client, "nobody", "guess-10")
    assert status == 429 and BLOCKED in page


def test_the_client_address_comes_from_the_connection_and_is_limited_across_names(
    config: WebConfig,
):
    sprayer = web_client(config, address="203.0.113.7", follow_redirects=False)
    for n in range(10):
        post_login(sprayer, f"user{n}", "sprayed-password")
    assert post_login(sprayer, "ana", USERS["ana"])[0] == 429

    at_her_desk = web_client(config, address="198.51.100.1", follow_redirects=False)
    assert post_login(at_her_desk, "ana", USERS["ana"])[0] == 303

    # Loopback reads as no address (a local proxy passes the real one): only names count.
    local = web_client(config, address="127.0.0.1", follow_redirects=False)
    assert post_login(local, "ben", USERS["ben"])[0] == 303


def test_the_slow_down_really_delays_the_next_try_of_the_same_name(studio_data: Path):
    """Tries sent at once still wait their turn: each starts after the last one's delay."""
    config = web_config(studio_data)
    policy = LoginPolicy(max_failures=100, slow_after=0, first_delay_s=0.3, max_delay_s=0.3)
    config.limits = LoginLimits(studio_data / "catalog.sqlite3", policy)

    def at_once(names: list[str]) -> float:
        start = threading.Barrier(len(names))
        with web_client(config, follow_redirects=False) as client:  # one server, one loop

            def try_once(name: str) -> None:
                start.wait()
                post_login(client, name, "wrong-guess")

            threads = [threading.Thread(target=try_once, args=(name,)) for name in names]
            began = time.perf_counter()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(60)
            return time.perf_counter() - began

    same_name = at_once(["ana"] * 5)
    assert same_name >= 5 * 0.3, same_name  # one after another, each after its wait
    assert config.turns.subjects_in_use() == 0  # nothing left behind
