"""``lab.py status``: the recorded processes, every service's answer and posture, and the on-site
hosts' namespaces, printed; true only when everything is up. It only reads: no process is
signalled and no file is written, so it is safe against a lab another checkout started.
"""

from __future__ import annotations

from pathlib import Path

from tests.lab.hosts import LAB_HOSTS, endpoints
from tests.lab.onsite import namespace_hostname, onsite_namespace_ready
from tests.lab.onsite_etc import ONSITE_SSHD
from tests.lab.ready import safe_ready
from tests.lab.state import DEFAULT_STATE_DIR, load_state


def status(state_dir: Path | str = DEFAULT_STATE_DIR) -> bool:
    """Print hosts, services and processes; True if everything recorded is up and answering."""
    state_dir = Path(state_dir).resolve()
    state = load_state(state_dir)
    ok = state is not None
    alive: dict[str, bool] = {}
    print(f"state dir: {state_dir}")
    if state is None:
        print("no lab recorded (not started)")
    else:
        print("processes:")
        for rec in state.processes:
            alive[rec.name] = rec.alive()
            ok = ok and alive[rec.name]
            print(f"  {rec.name:<20} pid {rec.pid:<8} {'up' if alive[rec.name] else 'DOWN'}")
    print("services:")
    for host, svc in endpoints():
        answers = state is not None and safe_ready(host, svc, state_dir)
        ok = ok and answers
        print(
            f"  {host.name:<15} {host.address:<11} {svc.port:>5}/{svc.protocol:<4}"
            f" {svc.name:<7} {svc.daemon:<19} {'answers' if answers else 'NO ANSWER':<10}"
            f" {svc.posture}"
        )
    if state is not None:
        print("on-site hosts (own /etc, /home, /root, /var/log; hostname):")
        for name in ONSITE_SSHD:
            try:
                anchor = state.process(f"anchor-{name}")
            except KeyError:
                ready, hostname = False, "-"
            else:
                ready = onsite_namespace_ready(anchor)
                hostname = namespace_hostname(anchor) if ready else "-"
            ok = ok and ready and hostname == name
            print(
                f"  {name:<15} {LAB_HOSTS[name].address:<11} "
                f"{'namespace up' if ready else 'NAMESPACE DOWN':<15} hostname {hostname}"
            )
    print("lab is up" if ok else "lab is NOT (fully) up")
    return ok
