"""Secret masking: every credential form libpq, Prisma and AWS accept, in linear time."""

from __future__ import annotations

import time

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from prisma_dsql.redact import redact


@pytest.mark.parametrize("text, secret", [
    ("postgresql://admin:s3cr3t@host:5432/postgres", "s3cr3t"),
    ("postgresql://admin:p@ss:w0rd!X@host/app", "p@ss:w0rd!X"),
    ("url = \"postgres://u:p@ss@h:5432/db?schema=public\"", "p@ss"),
    ("postgresql://u@h/db?sslmode=require&sslpassword=k3yPass&x=1", "k3yPass"),
    ("postgresql://u@h/db?password=qu3ry&sslmode=require", "qu3ry"),
    ("host=h port=5432 password='sp ace\\'s' user=admin", "sp ace\\'s"),
    ("host=h sslpassword=keyp4ss dbname=app", "keyp4ss"),
    ("host=h password = bare dbname=app", "bare"),
    ('{"password": "js0n", "user": "u"}', "js0n"),
    ("PGPASSWORD=envpass psql", "envpass"),
    ("DB_PASSWORD=envpass2 node app.js", "envpass2"),
    ("X-Amz-Signature=deadbeef&X-Amz-Date=1", "deadbeef"),
    ("abc.dsql.us-east-1.on.aws/?Action=DbConnectAdmin&X-Amz-Credential=AKIA%2F2026", "AKIA"),
    ("postgresql://admin:abc.dsql.on.aws%2F%3FAction%3DDbConnect%26X@h/db", "DbConnect%26X"),
])
def test_each_credential_form_is_masked(text, secret):
    out = redact(text)
    assert secret not in out
    assert "***" in out


def test_what_is_not_a_secret_stays():
    for text in ("postgresql://admin@host:5432/db", "https://example.com:8080/a@b", "sslkey=/home/u/.pg/key.pem",
                 "passfile=/home/u/.pgpass", "password_hash String", "model User { password String }",
                 "a String @default(\"x@y\")"):
        assert redact(text) == text


def test_keep_length_keeps_columns():
    text = 'url = "postgresql://admin:p@ss:w0rd!X@host/app"'
    out = redact(text, keep_length=True)
    assert len(out) == len(text)
    assert out == 'url = "postgresql://admin:***********@host/app"'


def test_extra_secrets_are_masked():
    assert redact("token abcdef in text", extra_secrets=("abcdef",)) == "token *** in text"


@pytest.mark.parametrize("make", [
    lambda n: 'a = "' + "a" * n,
    lambda n: "a String" + " @unique" * (n // 8) + " // a = b",
    lambda n: "a://" * (n // 4),
    lambda n: "a://b:" * (n // 6) + "@h",
    lambda n: "password=" * (n // 9),
    lambda n: "postgresql://u:" + "x@" * (n // 2),
])
def test_long_hostile_lines_take_linear_time(make):
    # Not a timing test of speed, a test of shape: 20x the input must not cost ~400x (quadratic).
    def cost(n):
        text = make(n)
        best = float("inf")
        for _ in range(3):
            start = time.process_time()
            redact(text)
            best = min(best, time.process_time() - start)
        return best

    small, large = cost(20_000), cost(400_000)
    assert large < max(small, 0.001) * 100, (small, large)


# A password in a URL may hold anything but the characters that end a URL's authority (whitespace,
# `"`, `<`, `>`, `/`: Prisma needs those percent-encoded anyway).
_PASSWORD = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Zs", "Zl", "Zp", "Cc"),
                                           blacklist_characters='"<>/'), min_size=4, max_size=40)


@settings(max_examples=300, deadline=None)
@given(password=_PASSWORD, prefix=st.sampled_from(["", "url = \"", "DATABASE_URL=", "error: could not connect to "]))
def test_any_url_password_is_masked(password, prefix):
    assume(password not in "postgresql://admin:@db.example.com:5432/app" and "***" not in password)
    text = f"{prefix}postgresql://admin:{password}@db.example.com:5432/app?schema=public"
    assert password not in redact(text)
    assert password not in redact(text, keep_length=True)


@settings(max_examples=200, deadline=None)
@given(value=st.text(alphabet=st.characters(blacklist_categories=("Cs", "Zs", "Zl", "Zp", "Cc"),
                                            blacklist_characters="&'\";,)}]>"), min_size=4, max_size=30),
       key=st.sampled_from(["password", "sslpassword", "PGPASSWORD", "X-Amz-Signature", "token"]))
def test_any_keyed_secret_is_masked(value, key):
    for text in (f"host=h {key}={value} user=u", f"postgresql://u@h/db?{key}={value}&x=1", f'{{"{key}": "{value}"}}'):
        assume(value not in text.replace(value, "", 1))
        assert value not in redact(text), text
