#!/usr/bin/python3
"""Asks Django's own check_password about password hashes, with the hashers authentik enables
(PBKDF2, PBKDF2-SHA1, Argon2, BCryptSHA256, Scrypt), and makes hashes with Django, argon2-cffi,
passlib and Werkzeug for akimport's tests. The tests and their expectations are Go.

  verify.py check < [{"hash": ..., "password": ...}, ...]  ->  [true | false | "ExceptionName", ...]
  verify.py decode < ["hash", ...]                          ->  [true | "ExceptionName", ...]
  verify.py make PASSWORD                                   ->  {"name": "hash", ...}
  verify.py versions                                        ->  {"django": ..., ...}
"""
import base64, hashlib, json, sys

import django
from django.conf import settings
from django.contrib.auth import hashers
from django.utils.crypto import constant_time_compare

if not hasattr(hashers, "ScryptPasswordHasher"):
    # Django 3.2 (Debian 12) predates scrypt: this is Django 4.0+'s ScryptPasswordHasher,
    # the encode/decode/verify authentik's Django runs.
    class ScryptPasswordHasher(hashers.BasePasswordHasher):
        algorithm, block_size, maxmem, parallelism, work_factor = "scrypt", 8, 0, 1, 2**14

        def encode(self, password, salt, n=None, r=None, p=None):
            if password is None or not salt or "$" in salt:
                raise ValueError("salt must be provided and cannot contain $.")
            n, r, p = n or self.work_factor, r or self.block_size, p or self.parallelism
            hash_ = hashlib.scrypt(password.encode(), salt=salt.encode(), n=n, r=r, p=p, maxmem=self.maxmem, dklen=64)
            hash_ = base64.b64encode(hash_).decode("ascii").strip()
            return "%s$%d$%s$%d$%d$%s" % (self.algorithm, n, salt, r, p, hash_)

        def decode(self, encoded):
            algorithm, work_factor, salt, block_size, parallelism, hash_ = encoded.split("$", 6)
            assert algorithm == self.algorithm
            return {"algorithm": algorithm, "work_factor": int(work_factor), "salt": salt,
                    "block_size": int(block_size), "parallelism": int(parallelism), "hash": hash_}

        def verify(self, password, encoded):
            d = self.decode(encoded)
            encoded_2 = self.encode(password, d["salt"], d["work_factor"], d["block_size"], d["parallelism"])
            return constant_time_compare(encoded, encoded_2)

        def must_update(self, encoded):
            return False

        def harden_runtime(self, password, encoded):
            pass

    hashers.ScryptPasswordHasher = ScryptPasswordHasher

settings.configure(PASSWORD_HASHERS=["django.contrib.auth.hashers." + h for h in (
    "PBKDF2PasswordHasher", "PBKDF2SHA1PasswordHasher", "Argon2PasswordHasher",
    "BCryptSHA256PasswordHasher", "ScryptPasswordHasher")])
django.setup()
# check_password spends the default work factors on timing defences (a fake hash for an
# unknown format, harden_runtime for a weak one); they never change a verdict, so test-sized.
hashers.PBKDF2PasswordHasher.iterations = 1000
hashers.BCryptSHA256PasswordHasher.rounds = 4


def check(items):
    out = []
    for item in items:
        try:
            out.append(bool(hashers.check_password(item["password"], item["hash"])))
        except Exception as e:  # Django raises for some undecodable hashes: not verified
            out.append(type(e).__name__)
    return out


def decode(hashes):
    """What identify_hasher(h).decode(h) says: True, or the exception it raises."""
    out = []
    for h in hashes:
        try:
            hashers.identify_hasher(h).decode(h)
            out.append(True)
        except Exception as e:
            out.append(type(e).__name__)
    return out


def make(pw):
    import argon2, passlib.hash as ph, werkzeug.security as ws
    from argon2.low_level import Type, hash_secret, hash_secret_raw
    fast = {"pbkdf2_sha256": {"iterations": 1000}, "pbkdf2_sha1": {"iterations": 1000},
            "argon2": {"time_cost": 1, "memory_cost": 1024, "parallelism": 2}, "bcrypt_sha256": {"rounds": 4},
            "scrypt": {"work_factor": 2**10}}
    out = {}
    for name in ("pbkdf2_sha256", "pbkdf2_sha1", "argon2", "bcrypt_sha256", "scrypt"):
        hasher = hashers.get_hasher(name)
        for attr, value in fast.get(name, {}).items():
            setattr(hasher, attr, value)  # Django's own encoder with test-sized parameters
        out["django " + name] = hashers.make_password(pw, hasher=hasher)
    # At OpenSSL's 32 MiB limit exactly: 128*r*(N+p+2) = 33553920 bytes.
    out["django scrypt N=2, r=52428"] = hashers.get_hasher("scrypt").encode(pw, "edge-salt", n=2, r=52428, p=1)
    for name, t in (("argon2id", Type.ID), ("argon2i", Type.I), ("argon2d", Type.D)):
        out["argon2-cffi " + name] = argon2.PasswordHasher(time_cost=1, memory_cost=1024, parallelism=2, type=t).hash(pw)
    out["argon2-cffi argon2i v=16"] = hash_secret(pw.encode(), b"saltsalt-v16", time_cost=2, memory_cost=64,
                                                  parallelism=1, hash_len=32, type=Type.I, version=16).decode()
    salt = b"keycloak-salt-16"
    raw = hash_secret_raw(pw.encode(), salt, time_cost=3, memory_cost=2048, parallelism=1, hash_len=32, type=Type.ID)
    out["keycloak argon2 credential"] = json.dumps({
        "type": "password", "createdDate": 1700000000000,
        "secretData": json.dumps({"value": base64.b64encode(raw).decode(), "salt": base64.b64encode(salt).decode(),
                                  "additionalParameters": {}}),
        "credentialData": json.dumps({"hashIterations": 3, "algorithm": "argon2", "additionalParameters": {
            "hashLength": ["32"], "memory": ["2048"], "type": ["id"], "version": ["1.3"], "parallelism": ["1"]}})})
    binary = bytes(range(0xf0, 0x100))
    out.update({
        "passlib pbkdf2_sha256 text salt": ph.pbkdf2_sha256.using(rounds=1000, salt=b"passlib-salt-01").hash(pw),
        "passlib pbkdf2_sha1 text salt": ph.pbkdf2_sha1.using(rounds=1000, salt=b"passlib-salt-02").hash(pw),
        "passlib pbkdf2_sha256 binary salt": ph.pbkdf2_sha256.using(rounds=1000, salt=binary).hash(pw),
        "passlib argon2": ph.argon2.using(rounds=1, memory_cost=1024, parallelism=1).hash(pw),
        "passlib django_pbkdf2_sha256": ph.django_pbkdf2_sha256.using(rounds=1000).hash(pw),
        "passlib django_bcrypt_sha256": ph.django_bcrypt_sha256.using(rounds=4).hash(pw),
        "passlib bcrypt": ph.bcrypt.using(rounds=4).hash(pw),
        "passlib bcrypt_sha256": ph.bcrypt_sha256.using(rounds=4).hash(pw),
        "passlib sha512_crypt": ph.sha512_crypt.using(rounds=1000).hash(pw),
        "passlib md5_crypt": ph.md5_crypt.hash(pw),
        "passlib phpass": ph.phpass.hash(pw),
        "passlib ldap_salted_sha1": ph.ldap_salted_sha1.hash(pw),
        "passlib ldap_pbkdf2_sha256": ph.ldap_pbkdf2_sha256.using(rounds=1000).hash(pw),
        "passlib scrypt": ph.scrypt.using(rounds=10).hash(pw),
        "passlib hex_md5": ph.hex_md5.hash(pw),
        "werkzeug pbkdf2:sha256": ws.generate_password_hash(pw, "pbkdf2:sha256"),
        "werkzeug pbkdf2:sha256:1000": ws.generate_password_hash(pw, "pbkdf2:sha256:1000"),
        "werkzeug pbkdf2:sha1:1000": ws.generate_password_hash(pw, "pbkdf2:sha1:1000"),
    })
    return out


def versions():
    import argon2, bcrypt, passlib, werkzeug
    return {"django": django.get_version(), "argon2-cffi": argon2.__version__, "bcrypt": bcrypt.__version__,
            "passlib": passlib.__version__, "werkzeug": werkzeug.__version__, "openssl": __import__("ssl").OPENSSL_VERSION}


if __name__ == "__main__":
    command = sys.argv[1]
    result = {"check": lambda: check(json.load(sys.stdin)), "decode": lambda: decode(json.load(sys.stdin)),
              "make": lambda: make(sys.argv[2]), "versions": versions}[command]()
    json.dump(result, sys.stdout)
