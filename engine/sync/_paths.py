"""Board paths: normalising ``dst`` and ``keep``, and refusing anything that would reach
outside the destination."""

from __future__ import annotations

from ..exceptions import SyncError

# Belay's: what a sync to / leaves alone unless told otherwise.
DEFAULT_KEEP = ("boot.py", "webrepl_cfg.py", "lib")


def normalize_dst(dst: str) -> str:
    """``"/"`` or ``"/a/b"``; a relative path, ``..`` or an empty name is refused."""
    dst = str(dst)
    if not dst.startswith("/"):
        raise SyncError(f"dst {dst!r} must be an absolute board path, starting with '/'")
    parts = [p for p in dst.split("/") if p not in ("", ".")]
    if ".." in parts:
        raise SyncError(f"dst {dst!r} contains '..': give the destination folder plainly")
    return "/" + "/".join(parts)


def resolve_path(path: str, error: type[Exception] = SyncError) -> str:
    """An absolute board path: relative paths start at ``/``; ``.`` and ``..`` are resolved,
    and a ``..`` that would climb above ``/`` is refused (raising ``error``), as ``dst`` and
    ``keep`` entries never reach outside their folder."""
    parts: list[str] = []
    for part in str(path).replace("\\", "/").split("/"):
        if part == "..":
            if not parts:
                raise error(f"{path!r} climbs above the board's root folder")
            parts.pop()
        elif part not in ("", "."):
            parts.append(part)
    return "/" + "/".join(parts)


def check_relative(rel: str, what: str) -> str:
    """A path below ``dst`` as ``a/b``; absolute paths and ``..`` are refused."""
    parts = [p for p in rel.replace("\\", "/").split("/") if p not in ("", ".")]
    if rel.startswith("/") or ".." in parts or not parts:
        raise SyncError(f"{what} {rel!r} is not a path inside the destination")
    return "/".join(parts)


def normalize_keep(keep: list[str] | tuple[str, ...] | str | bool | None, dst: str) -> set[str]:
    """Kept paths relative to ``dst``; ``True`` keeps everything (returned as ``{""}``)."""
    if keep is True:
        return {""}
    if keep is None:
        keep = DEFAULT_KEEP if dst == "/" else ()
    elif keep is False:
        keep = ()
    elif isinstance(keep, str):
        keep = (keep,)
    out = set()
    for item in keep:
        item = str(item)
        if item.startswith("/"):
            # Belay accepts absolute keep paths; they must lie inside dst.
            prefix = dst.rstrip("/") + "/"
            if not item.startswith(prefix):
                raise SyncError(f"keep entry {item!r} is outside the destination {dst!r}")
            item = item[len(prefix) :]
        out.add(check_relative(item, "keep entry"))
    return out


def board_path(dst: str, rel: str) -> str:
    """The absolute board path of ``rel`` below ``dst``."""
    if not rel:
        return dst
    return f"{dst}/{rel}" if dst != "/" else f"/{rel}"


def parents(rel: str) -> list[str]:
    """``a``, ``a/b`` for ``a/b/c``."""
    parts = rel.split("/")[:-1]
    return ["/".join(parts[: i + 1]) for i in range(len(parts))]


def is_kept(rel: str, keep: set[str]) -> bool:
    """``rel`` or one of its folders is kept."""
    return "" in keep or rel in keep or any(p in keep for p in parents(rel))
