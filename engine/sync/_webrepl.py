"""Sync over WebREPL's binary file channel.

Over WiFi a round trip costs milliseconds, and the raw stream's flow control spends one per
window. WebREPL has its own way to write files: a request and the data per file, which the
transport pipelines, so a whole batch costs one round trip (TCP paces the bytes). Each file
goes to its temporary name; then one command renames each into place with the writer's own
rename, as in the other modes. A cut connection leaves at worst ``.~belay`` files, which the
next plan removes.

The channel writes bytes as they come: no deflate (the board could not inflate them on the
way), which costs nothing on a link whose limit is latency, not bytes.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from .. import codec
from ..exceptions import SyncError
from ..minify import minify
from ..transport._webrepl_protocol import MAX_NAME
from ._board import TEMP_SUFFIX, writer_code
from ._plan import SyncEntry, SyncPlan

if TYPE_CHECKING:
    from ..connection import FileChannel
    from ..device import Device
    from ..transfers import Reporter

# _BSq(fs): rename each temporary file into place (_BSn, from the writer); collect failures
# in _BSS['e'], which _BSb set up. No hash check: the board reads this command after the
# files' bytes, in one ordered stream, so it runs only once every put has been written
# whole (a put cut short ends the connection before it).
_RENAME = """
def _BSq(fs):
    import os
    for p in fs:
        t=p+'{temp}'
        try:
            _BSn(t,p)
        except Exception as e:
            _BSS['e'].append((p,repr(e)))
            try:
                os.remove(t)
            except OSError:
                pass
    _BF('R',repr(_BSS['e']))
    _BSS.clear()
"""


def fits(entry: SyncEntry) -> bool:
    """Whether the file's temporary name fits a WebREPL request (63 bytes)."""
    return len((entry.path + TEMP_SUFFIX).encode()) <= MAX_NAME


def send_webrepl(
    device: Device,
    channel: FileChannel,
    plan: SyncPlan,
    entries: list[SyncEntry],
    prepare: bytes,
    report: Reporter,
    cancel: threading.Event | None,
) -> list[tuple[str, str]]:
    """Put ``entries`` under their temporary names and rename them into place, after the
    removals and folders of ``prepare``; return the (path, reason) of each that failed.

    One round trip when the files' folders exist: the puts, then one command that prepares
    and renames, its reply read with theirs. Otherwise the folders are made first.
    """
    from ._transfer import call

    if cancel is not None and cancel.is_set():
        raise SyncError("sync cancelled; files already renamed into place are complete")
    head = writer_code() + minify(_RENAME.format(temp=TEMP_SUFFIX)).encode() + prepare
    if _folders_first(plan):
        call(device, head + b"_BF('R','0')", "the sync")
        head = b""
    puts = [(e.path + TEMP_SUFFIX, plan.contents[e.path]) for e in entries]
    listing = [e.path for e in entries]
    with device.connection.lock:  # one exchange, in three steps
        pending = channel.send_puts(puts, "the sync")
        for e in entries:
            report.advance(len(plan.contents[e.path]), e.path)
        # The board serves the puts before it reads this command: its input is one stream.
        rename = head + f"_BSq({codec.to_literal(listing, 'the file list')})".encode()
        errors = [tuple(e) for e in call(device, rename, "the sync")]
        refused = channel.put_replies(pending, "the sync")
    failed = {path for path, _why in errors}
    for name, status in refused:
        path = name.removesuffix(TEMP_SUFFIX)
        if path not in failed:
            errors.append((path, f"the board could not write it (errno {status})"))
    return errors


def _folders_first(plan: SyncPlan) -> bool:
    """Whether the removals and folders must come before the puts: a folder to make, or a
    leftover temporary file to remove, which the new one would otherwise be taken for."""
    return (
        not plan.board.dst_exists
        or any(e.is_dir for e in plan.added)
        or any(e.path.endswith(TEMP_SUFFIX) for e in plan.deleted)
    )
