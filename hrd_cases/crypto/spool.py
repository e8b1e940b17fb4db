"""A seekable scratch file encrypted under a key that exists only in this process's memory.

Metadata removal needs random access to a whole upload (a PDF's cross-reference table is at its
end, an office file's ZIP directory too), more than should sit in memory. Written to disk in the
clear, a defender's photo would outlive the request in a temp directory, a swap file or a disk
image; sealed with AES-CTR under a key that is never stored, the bytes on disk are noise once
the process forgets the key. CTR keeps any position readable and writable without re-encrypting
the rest. No authentication: the file lives for one request and only this process holds its key.
"""

from __future__ import annotations

import io
import os
from typing import IO

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

_BLOCK = 16


class EncryptedSpool(io.RawIOBase):
    """Wraps an empty, writable, seekable binary ``backing`` file (e.g. a TemporaryFile)."""

    def __init__(self, backing: IO[bytes]) -> None:
        super().__init__()
        self._backing = backing
        self._key = os.urandom(32)
        self._nonce = os.urandom(8)
        self._position = 0
        self._size = 0

    def _keystream_xor(self, data: bytes, position: int) -> bytes:
        block, skip = divmod(position, _BLOCK)
        counter = self._nonce + block.to_bytes(8, "big")
        encryptor = Cipher(algorithms.AES(self._key), modes.CTR(counter)).encryptor()
        return encryptor.update(b"\0" * skip + data)[skip:]

    def readable(self) -> bool:
        return True

    def writable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: self._size}[whence]
        if base + offset < 0:
            raise ValueError("negative seek position")
        self._position = base + offset
        return self._position

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        wanted = min(len(buffer), max(self._size - self._position, 0))
        if not wanted:
            return 0
        self._backing.seek(self._position)
        sealed = self._backing.read(wanted)
        plain = self._keystream_xor(sealed, self._position)
        buffer[: len(plain)] = plain
        self._position += len(plain)
        return len(plain)

    def write(self, data: bytes | bytearray | memoryview) -> int:  # type: ignore[override]
        data = bytes(data)
        if self._position > self._size:  # a seek past the end reads back as zeros
            gap = self._position - self._size
            self._backing.seek(self._size)
            self._backing.write(self._keystream_xor(b"\0" * gap, self._size))
        self._backing.seek(self._position)
        self._backing.write(self._keystream_xor(data, self._position))
        self._position += len(data)
        self._size = max(self._size, self._position)
        return len(data)

    @property
    def size(self) -> int:
        return self._size

    def close(self) -> None:
        self._key = b""
        self._backing.close()
        super().close()
