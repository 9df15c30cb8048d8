"""Find every check: the built-in ``checks`` package, the ``scanner.checks`` entry-point group of
third-party packages, and folders named in the inventory or on the command line.

Nothing registers itself on import: this module walks the sources, imports each module, and takes
the :class:`~scanner.engine.check.Check` subclasses defined there. Metadata is validated on load. A
duplicate id names both origins; a module that fails to import is reported with its origin and
the error. Both are *problems*: listed by ``scanner checks`` and refused by ``scanner run``.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.metadata
import importlib.util
import inspect
import pkgutil
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

from pydantic import ValidationError

from scanner.engine.check import Check, CheckMeta
from scanner.engine.checklist import FAMILY as CHECKLIST_FAMILY
from scanner.engine.checklist import description, load_questions, question_check

ENTRY_POINT_GROUP = "scanner.checks"
#: The built-in checks, a package loaded by name like any plugin (scanner never imports it).
BUILTIN_PACKAGE = "checks"


def builtin_folder() -> Path:
    """The folder of the built-in checks package."""
    package = importlib.import_module(BUILTIN_PACKAGE)
    return Path(package.__path__[0])


@dataclass(frozen=True)
class LoadedCheck:
    """A check class with its validated metadata and where it came from.

    Attributes:
        cls: the check class.
        meta: its validated metadata.
        origin: ``builtin checks.network.redis_no_auth``, ``entry point NAME (dist)`` or a path.
        module: the module it was defined in (for a checklist question, its data file's
            dotted name: ``checks.management.log_retention``).
        code_sha256: its version as evidence: the SHA-256 of its module's source and of the
            sources of the check modules it uses directly (its family's helpers, protocol
            clients), or of a checklist question's data file; empty when there is no file.
    """

    cls: type[Check]
    meta: CheckMeta
    origin: str
    module: str
    code_sha256: str = ""

    @property
    def id(self) -> str:
        """The check's id."""
        return self.meta.id


@dataclass
class Registry:
    """The loaded checks by id, and the problems met while loading them."""

    checks: dict[str, LoadedCheck] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def add(self, loaded: LoadedCheck) -> None:
        """Add a check; a second one with the same id is a problem naming both origins."""
        other = self.checks.get(loaded.id)
        if other is not None:
            self.problems.append(
                f"check id {loaded.id} is defined twice: in {other.origin} and in {loaded.origin}. "
                "Fix: rename one of them (ids must be unique)."
            )
            return
        self.checks[loaded.id] = loaded

    def families(self) -> set[str]:
        """Every family that has at least one check."""
        return {c.meta.family for c in self.checks.values()}

    def sorted(self) -> list[LoadedCheck]:
        """Checks by family, then id."""
        return sorted(self.checks.values(), key=lambda c: (c.meta.family, c.id))


def discover(extra_dirs: Iterable[Path] = (), *, entry_points: bool = True) -> Registry:
    """Load checks from all three sources, built-ins first."""
    registry = Registry()
    for name, module in _builtin_modules(registry):
        _collect(registry, module, f"builtin {name}")
    _add_questions(registry, builtin_folder() / CHECKLIST_FAMILY)
    if entry_points:
        for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
            dist = ep.dist.name if ep.dist else "unknown package"
            origin = f"entry point {ep.name} = {ep.value} ({dist})"
            try:
                obj = ep.load()
            except Exception as exc:
                registry.problems.append(f"{origin}: failed to load: {exc!r}")
                continue
            if isinstance(obj, ModuleType):
                if not _collect(registry, obj, origin):
                    registry.problems.append(f"{origin}: the module defines no Check subclass")
            elif inspect.isclass(obj) and issubclass(obj, Check):
                _add_class(registry, obj, origin, inspect.getmodule(obj))
            else:
                registry.problems.append(f"{origin}: is neither a module nor a Check subclass")
    for folder in extra_dirs:
        for path in sorted(folder.rglob("*.py")):
            if path.name.startswith("_"):
                continue
            extra = _import_file(registry, path)
            if extra is not None and not _collect(registry, extra, str(path)):
                registry.problems.append(
                    f"{path}: defines no Check subclass. Fix: name helper modules with a "
                    "leading underscore, or remove the file from the checks folder."
                )
    return registry


def _builtin_modules(registry: Registry) -> Iterator[tuple[str, ModuleType]]:
    for info in pkgutil.walk_packages([str(builtin_folder())], f"{BUILTIN_PACKAGE}."):
        # Helper modules (a leading underscore, as in an extra folder) define no check: the
        # checks that use them import them, and some import libraries only a scan needs
        # (checks/tls/_scan.py: sslyze), which loading the registry must not pay for.
        if info.ispkg or info.name.rpartition(".")[2].startswith("_"):
            continue
        try:
            yield info.name, importlib.import_module(info.name)
        except Exception as exc:
            registry.problems.append(f"builtin {info.name}: failed to load: {exc!r}")


def _import_file(registry: Registry, path: Path) -> ModuleType | None:
    # A unique module name per file, without touching sys.path: two folders may both hold
    # a "redis.py" and neither may shadow a real package.
    digest = hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:12]
    name = f"scanner_extra_checks_{digest}_{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        registry.problems.append(f"{path}: cannot be imported as a Python module")
        return None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        sys.modules.pop(name, None)
        registry.problems.append(f"{path}: failed to load: {exc!r}")
        return None
    return module


def _collect(registry: Registry, module: ModuleType, origin: str) -> int:
    """Add the Check subclasses defined in ``module``; returns how many it defines."""
    count = 0
    for _, obj in inspect.getmembers(module, inspect.isclass):
        if issubclass(obj, Check) and obj is not Check and obj.__module__ == module.__name__:
            _add_class(registry, obj, origin, module)
            count += 1
    return count


def _add_questions(registry: Registry, folder: Path) -> None:
    """The management checklist's questions: one data file and one generated check each."""
    questions, problems = load_questions(folder)
    registry.problems.extend(problems)
    for question, path in questions:
        cls = question_check(question)
        # Its "module" names the data file as a module would be named, so the id, file and
        # family rules read the same for every check: checks.management.log_retention.
        where = f"checks.{CHECKLIST_FAMILY}.{path.stem}"
        origin = f"builtin checklist question checks/{CHECKLIST_FAMILY}/{path.name}"
        _add_class(registry, cls, origin, None, description(question), where, _file_sha256(path))


def _add_class(
    registry: Registry,
    cls: type[Check],
    origin: str,
    module: ModuleType | None,
    doc: str | None = None,
    module_name: str | None = None,
    code_sha256: str = "",
) -> None:
    if doc is None:
        doc = inspect.getdoc(module) or "" if module else ""
    try:
        meta = cls.meta(doc)
    except ValidationError as exc:
        details = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'metadata'}: {e['msg']}" for e in exc.errors()
        )
        registry.problems.append(f"{origin}: check {cls.__name__} has invalid metadata: {details}")
        return
    registry.add(
        LoadedCheck(
            cls=cls,
            meta=meta,
            origin=origin,
            module=module_name or (module.__name__ if module else ""),
            code_sha256=code_sha256 or (_code_sha256(module) if module else ""),
        )
    )


def _file_sha256(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return ""


def _code_sha256(module: ModuleType) -> str:
    """The SHA-256 over ``module``'s source file and those of the modules of its own package
    tree it uses directly (by module object or by what it imported from them), in name order."""
    top = module.__name__.split(".")[0]
    used = {module.__name__}
    for value in vars(module).values():
        name = value.__name__ if isinstance(value, ModuleType) else getattr(value, "__module__", "")
        if isinstance(name, str) and name.split(".")[0] == top:
            used.add(name)
    digest = hashlib.sha256()
    for name in sorted(used):
        found = sys.modules.get(name)
        path = getattr(found, "__file__", None)
        if not path:
            continue
        try:
            source = Path(path).read_bytes()
        except OSError:
            continue
        digest.update(f"{name}\n{len(source)}\n".encode() + source)
    return digest.hexdigest()
