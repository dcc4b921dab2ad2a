"""Personal data at rest: encrypted with Fernet, shown masked wherever it is not needed."""

from __future__ import annotations

import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken

from shared.errors import StartupError


class FieldCipher:
    """Encrypts single field values, and derives a keyed hash so they stay searchable."""

    def __init__(self, key: str) -> None:
        try:
            self._fernet = Fernet(key.encode())
        except (ValueError, TypeError) as exc:
            raise StartupError(
                "COMPLAINTS_DATA_KEY is not a valid Fernet key (32 url-safe base64 bytes)"
            ) from exc
        self._hash_key = hashlib.sha256(b"complaints-lookup:" + key.encode()).digest()

    def encrypt(self, value: str) -> str:
        return self._fernet.encrypt(value.encode()).decode()

    def decrypt(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except InvalidToken as exc:
            raise ValueError("cannot decrypt: wrong data key or corrupted value") from exc

    def encrypt_bytes(self, value: bytes) -> bytes:
        return self._fernet.encrypt(value)

    def decrypt_bytes(self, token: bytes) -> bytes:
        try:
            return self._fernet.decrypt(token)
        except InvalidToken as exc:
            raise ValueError("cannot decrypt: wrong data key or corrupted value") from exc

    def lookup_hash(self, value: str) -> str:
        """Deterministic keyed hash for equality search without storing the clear value."""
        return hmac.new(self._hash_key, value.encode(), hashlib.sha256).hexdigest()


def mask_phone(phone: str) -> str:
    """``13812341234`` → ``138****1234``; short numbers keep only their last two digits."""
    digits = phone.strip()
    if len(digits) >= 7:
        return f"{digits[:3]}****{digits[-4:]}"
    if len(digits) > 2:
        return "*" * (len(digits) - 2) + digits[-2:]
    return "*" * len(digits)


def mask_id_number(number: str) -> str:
    """``110105194912310021`` → ``1101**********0021``."""
    return f"{number[:4]}{'*' * (len(number) - 8)}{number[-4:]}" if len(number) > 8 else "****"


def mask_email(address: str) -> str:
    """``zhang.wei@example.cn`` → ``z***@example.cn``."""
    local, sep, domain = address.partition("@")
    return f"{local[:1]}***{sep}{domain}" if sep else "***"


def mask_code(code: str) -> str:
    """A personal identifier such as a WeChat openid: ``oQx7s5Jm…`` → ``oQx7***``."""
    return code[:4] + "***" if len(code) > 4 else "***"


def mask_plate(plate: str) -> str:
    """``京A12345`` → ``京A***45``: the region stays readable, the vehicle does not."""
    return f"{plate[:2]}{'*' * (len(plate) - 4)}{plate[-2:]}" if len(plate) > 4 else "***"
