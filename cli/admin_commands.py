"""`policy` and `role`: routing policy versions and role grants."""

import argparse
from typing import Any

from cli.database import open_database
from review.actors import cli_actor
from review.policies import PolicyChange, list_policies, set_policy
from review.roles import grant_role, parse_role, revoke_role


def register(commands: Any) -> None:
    """Add this module's subcommands to the parser."""
    policy = commands.add_parser("policy", help="routing policy, versioned")
    policy_commands = policy.add_subparsers(dest="policy_command", required=True, metavar="ACTION")
    show = policy_commands.add_parser("show", help="the newest version of every policy")
    show.set_defaults(handler=run_policy_show)
    change = policy_commands.add_parser("set", help="append a new policy version")
    change.add_argument("--source", required=True, help="AI system, or '*' for the default")
    change.add_argument("--task", default="*",
                        help="task; '*' or left out: every task of the source (its source-wide policy)")
    change.add_argument("--threshold", type=float, metavar="X")
    change.add_argument("--audit-rate", type=float, metavar="R")
    change.add_argument("--guidelines", help="text shown to reviewers of this task")
    change.add_argument("--add-reason-code", action="append", default=[], metavar="CODE")
    for impact in ("high", "medium", "low"):
        change.add_argument(f"--sla-minutes-{impact}", type=int, metavar="N",
                            help=f"how long a {impact}-impact item may wait")
    change.add_argument("--second-review-rate", type=float, metavar="R",
                        help="share of audit samples a second person reviews independently")
    eyes = change.add_mutually_exclusive_group()
    eyes.add_argument("--four-eyes", action="store_const", const=True, dest="four_eyes",
                      help="two people decide every high-impact item")
    eyes.add_argument("--no-four-eyes", action="store_const", const=False, dest="four_eyes")
    shown = change.add_mutually_exclusive_group()
    shown.add_argument("--show-confidence", action="store_const", const=True, dest="show_confidence",
                       help="reviewers see the model's confidence (audit samples are then not blind)")
    shown.add_argument("--hide-confidence", action="store_const", const=False, dest="show_confidence")
    pause = change.add_mutually_exclusive_group()
    pause.add_argument("--pause", action="store_const", const=True, dest="paused")
    pause.add_argument("--resume", action="store_const", const=False, dest="paused")
    change.add_argument("--reason", help="why (stored with the version; required with --pause/--resume)")
    target = change.add_mutually_exclusive_group()
    target.add_argument("--error-target", type=float, metavar="X",
                        help="guardrail: pause when the audit error's upper 95%% bound exceeds X (0<X<1)")
    target.add_argument("--no-error-target", action="store_true", help="remove the guardrail")
    change.set_defaults(handler=run_policy_set)

    role = commands.add_parser("role", help="grant or revoke roles")
    role_commands = role.add_subparsers(dest="role_command", required=True, metavar="ACTION")
    for name, handler in (("grant", run_role_grant), ("revoke", run_role_revoke)):
        command = role_commands.add_parser(name)
        command.add_argument("email")
        command.add_argument("role", help="reviewer, senior, lead, data or admin")
        command.set_defaults(handler=handler)


def run_policy_show(_args: argparse.Namespace) -> int:
    """Print the newest version of every policy scope."""
    for policy in list_policies(open_database(), cli_actor()):
        state = "PAUSED" if policy.paused else "active"
        print(
            f"{policy.source}/{policy.task} v{policy.version}: threshold {policy.threshold:.2f}, "
            f"audit rate {policy.audit_rate:.1%}, {state}, by {policy.author} "
            f"at {policy.created_at:%Y-%m-%d %H:%M} UTC"
        )
        print(f"  reason codes: {', '.join(policy.reason_codes)}")
        target = "none" if policy.error_target is None else f"{policy.error_target:.1%}"
        print(f"  guardrail error target: {target}; why this version: {policy.change_reason or '-'}")
        print(f"  SLA minutes: high {policy.sla_minutes_high}, medium {policy.sla_minutes_medium}, "
              f"low {policy.sla_minutes_low}; second reviews of audits {policy.second_review_rate:.1%}; "
              f"four-eyes on high impact {'on' if policy.four_eyes_high_impact else 'off'}")
        print(f"  confidence shown to reviewers: {'yes (not blind)' if policy.show_confidence else 'no'}")
    return 0


def run_policy_set(args: argparse.Namespace) -> int:
    """Append a new policy version."""
    change = PolicyChange(
        threshold=args.threshold,
        audit_rate=args.audit_rate,
        paused=args.paused,
        guidelines=args.guidelines,
        add_reason_codes=tuple(args.add_reason_code),
        sla_minutes_high=args.sla_minutes_high,
        sla_minutes_medium=args.sla_minutes_medium,
        sla_minutes_low=args.sla_minutes_low,
        second_review_rate=args.second_review_rate,
        four_eyes_high_impact=args.four_eyes,
        show_confidence=args.show_confidence,
        reason=args.reason,
        error_target=args.error_target,
        clear_error_target=args.no_error_target,
    )
    policy = set_policy(open_database(), cli_actor(), args.source, args.task, change)
    print(f"{policy.source}/{policy.task} is now at version {policy.version}")
    return 0


def run_role_grant(args: argparse.Namespace) -> int:
    """Grant a role."""
    changed = grant_role(open_database(), cli_actor(), args.email, parse_role(args.role))
    print(f"granted {args.role} to {args.email}" if changed else f"{args.email} already has {args.role}")
    return 0


def run_role_revoke(args: argparse.Namespace) -> int:
    """Revoke a role."""
    changed = revoke_role(open_database(), cli_actor(), args.email, parse_role(args.role))
    print(f"revoked {args.role} from {args.email}" if changed else f"{args.email} did not have {args.role}")
    return 0
