import pytest
from cryptography.exceptions import InvalidTag
from django.test import override_settings

from fangkong.core import crypto


def test_round_trip_and_random_nonce():
    a = crypto.encrypt("150102199003071237")
    b = crypto.encrypt("150102199003071237")
    assert a != b  # a fresh nonce each time: equal plaintexts do not show as equal ciphertexts
    assert crypto.decrypt(a) == crypto.decrypt(b) == "150102199003071237"
    assert "150102" not in a


def test_lookup_hash_is_keyed():
    h1 = crypto.lookup_hash("id", "150102199003071237")
    with override_settings(FANGKONG_DATA_KEY="AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="):
        h2 = crypto.lookup_hash("id", "150102199003071237")
    assert h1 != h2 and len(h1) == 32


def test_other_key_cannot_decrypt():
    token = crypto.encrypt("secret")
    with override_settings(FANGKONG_DATA_KEY="AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="), pytest.raises(crypto.DataKeyError):
        crypto.decrypt(token)  # the token names its key, which is not in the ring
    key_id = token.split("$")[0][1:]
    forged = "k" + crypto.key_id("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=") + "$" + token.split("$")[1]
    with override_settings(FANGKONG_DATA_KEY="AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="), pytest.raises(InvalidTag):
        crypto.decrypt(forged)  # relabelled with that key's id: AES-GCM still refuses
    assert key_id != crypto.key_id("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")


def test_bad_key_is_refused():
    with override_settings(FANGKONG_DATA_KEY="too-short"), pytest.raises(crypto.DataKeyError):
        crypto.encrypt("x")


def test_masks():
    assert crypto.mask_id_number("15010219900307123X") == "150102********123X"
    assert crypto.mask_id_number("E12345678") == "E1*****78"
    assert crypto.mask_phone("13812345678") == "138******78"
