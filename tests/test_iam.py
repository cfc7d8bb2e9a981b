"""IAM evaluation: wildcards, managed policies, Deny statements, permission boundaries."""

from __future__ import annotations

import pytest

from tmgen.iam import action_matches, pattern_covers, resource_is_unbounded, resource_matches, role_policy
from tmgen.knowledge import knowledge
from tmgen.schema import Role


def policy(**role: object):
    return role_policy("r", Role.model_validate(role), knowledge().policies, "111122223333")


@pytest.mark.parametrize(
    "pattern, action, expected",
    [
        ("lambda:Update*", "lambda:UpdateFunctionCode", True),
        ("lambda:update*", "LAMBDA:UpdateFunctionConfiguration", True),
        ("lambda:Update*", "lambda:CreateFunction", False),
        ("*", "iam:PassRole", True),
        ("lambda:*", "iam:PassRole", False),
        ("lambda:?nvokeFunction", "lambda:InvokeFunction", True),
        ("s3:Get[a]*", "s3:Get[a]Object", True),  # brackets are literal in IAM
    ],
)
def test_action_matching(pattern: str, action: str, expected: bool) -> None:
    assert action_matches(pattern, action) is expected


def test_pattern_coverage() -> None:
    assert pattern_covers("s3:*", "s3:Get*")
    assert not pattern_covers("s3:Get*", "s3:*")
    assert pattern_covers("*", "iam:*")


@pytest.mark.parametrize(
    "pattern, unbounded",
    [
        ("*", True),
        ("arn:aws:lambda:*:*:function:*", True),
        ("arn:aws:lambda:*:*:*", True),
        ("arn:aws:lambda:eu-west-1:111122223333:function:*", False),
        ("function:*", True),
        ("function:charge", False),
    ],
)
def test_unbounded_resources(pattern: str, unbounded: bool) -> None:
    assert resource_is_unbounded(pattern) is unbounded


def test_resource_references() -> None:
    assert resource_matches("function:charge", "function:charge")
    assert not resource_matches("function:charge", "function:refund")
    assert resource_matches("function:ch*", "function:charge")
    assert resource_matches("arn:aws:lambda:eu-west-1:111122223333:function:charge", "function:charge", "111122223333")
    assert not resource_matches(
        "arn:aws:lambda:eu-west-1:999999999999:function:charge", "function:charge", "111122223333"
    )
    assert resource_matches("arn:aws:dynamodb:eu-west-1:111122223333:table/payments", "table:payments")


def test_managed_policies_are_expanded() -> None:
    rp = policy(managed_policies=["AWSLambdaRole"])
    assert rp.can("lambda:InvokeFunction", "*")
    assert rp.can("lambda:InvokeFunction", "function:anything")
    assert not rp.can("lambda:UpdateFunctionCode", "function:anything")
    vpc = policy(managed_policies=["arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"])
    assert vpc.can("ec2:CreateNetworkInterface", "*")
    assert vpc.can("logs:PutLogEvents")


def test_full_access_allows_passrole_and_lambda_star() -> None:
    rp = policy(managed_policies=["AWSLambda_FullAccess"])
    assert rp.can("lambda:UpdateFunctionCode", "function:x")
    assert rp.can("iam:PassRole", "*")
    admin = policy(managed_policies=["AdministratorAccess"])
    assert admin.wildcard_grants() and admin.can("iam:CreateUser")


def test_unknown_managed_policy_is_recorded() -> None:
    rp = policy(managed_policies=["MyCompanyPolicy"])
    assert rp.unknown_policies == ["MyCompanyPolicy"] and not rp.allows


def test_explicit_deny_wins() -> None:
    rp = policy(
        statements=[
            {"effect": "Allow", "actions": ["lambda:*"], "resources": ["*"]},
            {"effect": "Deny", "actions": ["lambda:UpdateFunctionCode"], "resources": ["*"]},
        ]
    )
    assert not rp.can("lambda:UpdateFunctionCode", "function:x")
    assert rp.can("lambda:UpdateFunctionConfiguration", "function:x")


def test_deny_on_one_resource_only() -> None:
    rp = policy(
        statements=[
            {"effect": "Allow", "actions": ["lambda:UpdateFunctionCode"], "resources": ["*"]},
            {"effect": "Deny", "actions": ["lambda:UpdateFunctionCode"], "resources": ["function:admin"]},
        ]
    )
    assert not rp.can("lambda:UpdateFunctionCode", "function:admin")
    assert rp.can("lambda:UpdateFunctionCode", "function:other")


def test_conditional_deny_does_not_count_as_certain() -> None:
    rp = policy(
        statements=[
            {"effect": "Allow", "actions": ["lambda:*"]},
            {
                "effect": "Deny",
                "actions": ["lambda:*"],
                "conditions": {"Bool": {"aws:MultiFactorAuthPresent": "false"}},
            },
        ]
    )
    assert rp.can("lambda:UpdateFunctionCode", "function:x")


def test_permission_boundary_caps_effective_actions() -> None:
    rp = policy(
        managed_policies=["AWSLambdaVPCAccessExecutionRole"],
        statements=[{"effect": "Allow", "actions": ["dynamodb:*", "s3:*"], "resources": ["*"]}],
        permission_boundary={
            "statements": [
                {"effect": "Allow", "actions": ["dynamodb:*", "logs:*"], "resources": ["*"]},
                {
                    "effect": "Allow",
                    "actions": ["ec2:CreateNetworkInterface"],
                    "resources": ["arn:aws:ec2:eu-west-1:111122223333:subnet/subnet-1"],
                },
            ]
        },
    )
    assert rp.has_boundary
    assert rp.can("dynamodb:PutItem")
    assert not rp.can("s3:GetObject")
    assert not rp.can("ec2:CreateNetworkInterface", "*")
    assert "s3:*" not in rp.action_patterns()


def test_boundary_from_managed_policy() -> None:
    rp = policy(
        statements=[{"effect": "Allow", "actions": ["*"]}],
        permission_boundary={"managed_policy": "AWSLambda_ReadOnlyAccess"},
    )
    assert rp.can("lambda:GetFunction")
    assert not rp.can("lambda:UpdateFunctionCode", "function:x")


def test_not_action() -> None:
    rp = policy(statements=[{"effect": "Allow", "not_actions": ["iam:*"], "resources": ["*"]}])
    assert rp.can("lambda:UpdateFunctionCode", "function:x")
    assert not rp.can("iam:PassRole")


def test_missing_from_compares_roles() -> None:
    weak = policy(statements=[{"effect": "Allow", "actions": ["lambda:UpdateFunctionCode", "s3:*"]}])
    strong = policy(statements=[{"effect": "Allow", "actions": ["s3:GetObject", "iam:*"]}])
    assert weak.missing_from(strong) == ["iam:*"]
    assert strong.missing_from(weak) == ["lambda:UpdateFunctionCode", "s3:*"]


def test_resource_scoped_grant() -> None:
    rp = policy(
        statements=[{"effect": "Allow", "actions": ["lambda:UpdateFunctionCode"], "resources": ["function:web-*"]}]
    )
    assert rp.can("lambda:UpdateFunctionCode", "function:web-api")
    assert not rp.can("lambda:UpdateFunctionCode", "function:admin")
    assert not rp.can("lambda:UpdateFunctionCode", "*")


def test_can_everywhere_needs_no_deny_or_boundary_to_take_part_back() -> None:
    full = policy(statements=[{"effect": "Allow", "actions": ["lambda:*"], "resources": ["*"]}])
    assert full.can_everywhere("lambda:UpdateFunctionCode")
    denied = policy(
        statements=[
            {"effect": "Allow", "actions": ["lambda:*"], "resources": ["*"]},
            {"effect": "Deny", "actions": ["lambda:UpdateFunctionCode"], "resources": ["function:admin"]},
        ]
    )
    assert not denied.can_everywhere("lambda:UpdateFunctionCode")
    assert denied.can("lambda:UpdateFunctionCode", "function:web")
    assert not denied.can("lambda:UpdateFunctionCode", "function:admin")


def test_deny_on_another_service_does_not_apply() -> None:
    rp = policy(
        managed_policies=["AWSLambdaRole"],
        statements=[{"effect": "Deny", "actions": ["*"], "resources": ["arn:aws:s3:::*"]}],
    )
    assert rp.can("lambda:InvokeFunction", "*")
    assert not rp.can("s3:GetObject", "*")


def test_pass_any_role() -> None:
    own = policy(
        statements=[{"effect": "Allow", "actions": ["iam:PassRole"], "resources": ["arn:aws:iam::111122223333:role/*"]}]
    )
    assert own.pass_any_role_grant() is not None
    path = policy(
        statements=[
            {"effect": "Allow", "actions": ["iam:PassRole"], "resources": ["arn:aws:iam::111122223333:role/lambda/*"]}
        ]
    )
    assert path.pass_any_role_grant() is None
    other = policy(
        statements=[{"effect": "Allow", "actions": ["iam:PassRole"], "resources": ["arn:aws:iam::999999999999:role/*"]}]
    )
    assert other.pass_any_role_grant() is None
