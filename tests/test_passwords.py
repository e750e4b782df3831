"""Password hashes: argon2id salted per hash, checked two at a time."""

from __future__ import annotations

import threading
import time

import argon2

from kb.workflow import passwords
from kb.workflow.passwords import hash_password, needs_rehash, verify_password


def test_hashes_are_argon2id_salted_per_user_and_verify_only_the_right_password():
    first, second = hash_password("correct horse"), hash_password("correct horse")
    assert first.startswith("$argon2id$v=19$m=65536,t=3,p=4$")  # RFC 9106 low-memory profile
    assert first != second  # a fresh salt each time
    assert "correct horse" not in first
    assert verify_password("correct horse", first) and verify_password("correct horse", second)
    assert not verify_password("correct hors", first)
    assert not verify_password("correct horse", "not-a-hash")
    assert not needs_rehash(first)


def test_no_more_than_two_password_checks_run_at_once(monkeypatch):
    running, most = [0], [0]
    lock = threading.Lock()

    class SlowHasher:
        def verify(self, stored, password):
            with lock:
                running[0] += 1
                most[0] = max(most[0], running[0])
            time.sleep(0.05)
            with lock:
                running[0] -= 1
            return True

    monkeypatch.setattr(passwords, "HASHER", SlowHasher())
    threads = [threading.Thread(target=verify_password, args=("x", "$argon2id$…")) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert most[0] == 2


def test_hashing_takes_real_work():
    # argon2id with RFC 9106's low-memory profile (64 MiB, 3 passes), read from the hash itself, not
    # timed: a timing fails under load and passes for a fast hash on a slow machine
    params = argon2.extract_parameters(hash_password("password1"))
    assert params == argon2.profiles.RFC_9106_LOW_MEMORY and params.type is argon2.Type.ID


def test_common_passwords_come_from_zxcvbns_list_whatever_their_case():
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    assert len(FREQUENCY_LISTS["passwords"]) >= 30_000  # the package's list, not one typed here
    assert passwords.is_common("12345678") and passwords.is_common("1234567890")
    assert passwords.is_common("QwertyUiop") and passwords.is_common("PASSWORD123")
    assert not passwords.is_common("horse-staple-1") and not passwords.is_common("林法制的密码很长")
