from larkspur.auth import policy


def test_rejects_common_passwords():
    assert not policy.acceptable("Password123!")
    assert policy.minimum_length == 14
    assert policy.password_reuse_prevention == 24


def test_hash_format():
    h = policy.hash_password("correct horse battery staple")
    assert h.startswith("$2b$")
    assert "$2b$12$DPvU2pvYwuxgjLuZctECXPjCmMwDus3M3xOM7Mu.dSk7qWb/jxIrV" != h
