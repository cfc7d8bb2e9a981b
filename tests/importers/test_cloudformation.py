"""SAM and CloudFormation templates: each construct of issue 6 mapped into the workload model."""

from __future__ import annotations

from pathlib import Path

from tmgen.importers import detect, import_path

FIXTURES = Path(__file__).parent / "fixtures"


def warning_lines(result, text: str) -> list[int]:  # type: ignore[no-untyped-def]
    return [w.location.line for w in result.warnings if text in w.message]


def test_detects_sam_and_cloudformation() -> None:
    assert detect(FIXTURES / "sam-payments.yaml") == "sam"
    assert detect(FIXTURES / "cfn-network.yaml") == "cloudformation"
    assert detect(FIXTURES / "cfn-relations.json") == "cloudformation"


def test_sam_function_properties_and_globals(imported) -> None:  # type: ignore[no-untyped-def]
    r = imported("sam-payments.yaml")
    charge = r.data["functions"]["ChargeFunction"]
    assert r.source_format == "sam"
    assert charge["runtime"] == "python3.12"  # from Globals
    assert charge["architecture"] == "arm64"
    assert charge["memory"] == 1024
    assert r.notes["functions.ChargeFunction.memory"] == "the default of parameter MemoryParam"
    assert charge["timeout"] == 30  # Globals FindInMap keyed by a parameter default
    assert charge["tracing"] is True
    # Globals maps merge: the global variable and the function's own
    assert charge["environment"]["LOG_LEVEL"] == "WARN"
    assert charge["environment"]["TABLE_NAME"] == "${PaymentsTable}"
    assert charge["environment"]["MODE"] == "live"
    assert r.locations["functions.ChargeFunction"].line == 43


def test_sam_secrets_in_environment(imported) -> None:  # type: ignore[no-untyped-def]
    r = imported("sam-payments.yaml")
    env = r.data["functions"]["ChargeFunction"]["environment"]
    assert env["STRIPE_KEY"] == {"secret": True}
    assert "dynamic reference" in r.notes["functions.ChargeFunction.environment.STRIPE_KEY"]
    assert env["DB_PASSWORD"] == {"secret": True}
    assert "NoEcho" in r.notes["functions.ChargeFunction.environment.DB_PASSWORD"]


def test_sam_vpc_config_with_parameter_subnets(imported) -> None:  # type: ignore[no-untyped-def]
    r = imported("sam-payments.yaml")
    vpc = r.data["functions"]["ChargeFunction"]["vpc"]
    assert vpc == {"vpc": "vpc", "subnets": ["PrivateSubnetIds"], "security_groups": ["sg-0123456789abcdef0"]}
    subnet = r.data["vpcs"]["vpc"]["subnets"]["PrivateSubnetIds"]
    assert subnet["cidr"] == "10.0.0.0/24"
    assert "no default" in r.notes["vpcs.vpc.subnets.PrivateSubnetIds"]
    assert "placeholder" in r.notes["vpcs.vpc.subnets.PrivateSubnetIds.cidr"]
    assert r.locations["vpcs.vpc.subnets.PrivateSubnetIds"].line == 57


def test_sam_implicit_role_policies_and_templates(imported) -> None:  # type: ignore[no-untyped-def]
    r = imported("sam-payments.yaml")
    role = r.data["roles"]["ChargeFunctionRole"]
    assert r.data["functions"]["ChargeFunction"]["role"] == "ChargeFunctionRole"
    assert role["managed_policies"] == [
        "AWSLambdaBasicExecutionRole",
        "AWSXrayWriteOnlyAccess",
        "AWSLambdaVPCAccessExecutionRole",
        "AWSLambdaSQSQueueExecutionRole",
        "CloudWatchLambdaInsightsExecutionRolePolicy",
    ]
    crud, send, secret, inline, dlq = role["statements"]
    assert "dynamodb:PutItem" in crud["actions"] and crud["resources"] == ["table:PaymentsTable"]
    assert send == {"effect": "Allow", "actions": ["sqs:SendMessage*"], "resources": ["queue:OrdersQueue"]}
    assert secret["actions"] == ["secretsmanager:GetSecretValue"]
    assert inline["actions"] == ["kms:Decrypt"]
    assert dlq == {"effect": "Allow", "actions": ["sqs:SendMessage"], "resources": ["queue:FailuresQueue"]}
    assert r.locations["roles.ChargeFunctionRole.statements[0]"].line == 60


def test_sam_events_become_triggers_and_permissions(imported) -> None:  # type: ignore[no-untyped-def]
    r = imported("sam-payments.yaml")
    charge = r.data["functions"]["ChargeFunction"]
    assert charge["triggers"] == [
        {"type": "api_gateway", "source": "ServerlessRestApi", "auth": "none"},
        {"type": "sqs", "source": "OrdersQueue"},
    ]
    assert r.data["resources"]["ServerlessRestApi"] == {"type": "api_gateway", "exposure": "public"}
    (perm,) = charge["permissions"]
    assert perm["principal"] == "apigateway.amazonaws.com"
    assert perm["source_arn"].endswith("${ServerlessRestApi}/*/POST/charge")
    assert charge["async"] == {"on_failure": "FailuresQueue"}


def test_sam_function_url_none_implies_public_permission(imported) -> None:  # type: ignore[no-untyped-def]
    r = imported("sam-payments.yaml")
    public = r.data["functions"]["PublicFunction"]
    assert public["url"] == {"auth": "NONE", "cors_origins": ["*"]}
    assert public["permissions"][0] == {
        "principal": "*",
        "action": "lambda:InvokeFunctionUrl",
        "function_url_auth_type": "NONE",
    }
    assert {"type": "schedule"} in public["triggers"]
    assert public["permissions"][1]["principal"] == "events.amazonaws.com"


def test_third_party_layer_from_globals(imported) -> None:  # type: ignore[no-untyped-def]
    r = imported("sam-payments.yaml")
    assert r.data["layers"]["Datadog-Extension"] == {"publisher": "third-party", "account_id": "464622532012"}
    assert r.data["functions"]["PublicFunction"]["layers"] == ["Datadog-Extension"]


def test_unknown_resource_type_is_a_located_warning(imported) -> None:  # type: ignore[no-untyped-def]
    r = imported("sam-payments.yaml")
    assert warning_lines(r, "AWS::QuickSight::Dashboard") == [101]
    assert str(r.warnings[0]).startswith(f"{FIXTURES / 'sam-payments.yaml'}:101:5: warning:")


def test_vpc_subnets_routes_and_security_groups(imported) -> None:  # type: ignore[no-untyped-def]
    r = imported("cfn-network.yaml")
    vpc = r.data["vpcs"]["Vpc"]
    assert vpc["cidr"] == "10.20.0.0/16"
    routes = {name: s["route"] for name, s in vpc["subnets"].items()}
    assert routes == {
        "PublicSubnet": "igw",
        "PrivateSubnetA": "nat",
        "PrivateSubnetB": "nat",
        "IsolatedSubnet": "isolated",
    }
    assert vpc["subnets"]["PublicSubnet"]["cidr"] == "10.20.0.0/24"  # Cidr of GetAtt Vpc.CidrBlock
    assert vpc["subnets"]["PrivateSubnetA"]["az"] == "${AWS::Region}a"
    assert "availability zones" in r.notes["vpcs.Vpc.subnets.PrivateSubnetA.az"]
    lambda_sg = vpc["security_groups"]["LambdaSg"]
    assert lambda_sg["egress"] == [
        {"to": "0.0.0.0/0", "ports": "443", "protocol": "tcp"},
        {"to": "sg:DbSg", "ports": "5432", "protocol": "tcp"},
    ]
    db_sg = vpc["security_groups"]["DbSg"]
    assert db_sg["ingress"] == [{"from": "sg:LambdaSg", "ports": "5432", "protocol": "tcp"}]
    # a separate egress resource keeps AWS's default rule beside it
    assert db_sg["egress"][0] == {"to": "0.0.0.0/0", "ports": "all", "protocol": "all"}
    assert db_sg["egress"][1] == {"to": "10.20.0.0/16", "ports": "all", "protocol": "all"}
    assert vpc["endpoints"] == {
        "dynamodb": {"type": "gateway", "policy": "restricted"},
        "secretsmanager": {"type": "interface", "policy": "full"},
    }


def test_function_placement_and_configuration(imported) -> None:  # type: ignore[no-untyped-def]
    r = imported("cfn-network.yaml")
    fn = r.data["functions"]["LedgerFunction"]
    assert fn["vpc"] == {"vpc": "Vpc", "subnets": ["PrivateSubnetA", "PrivateSubnetB"], "security_groups": ["LambdaSg"]}
    assert (fn["memory"], fn["timeout"], fn["reserved_concurrency"], fn["ephemeral_storage"]) == (2048, 60, 20, 2048)
    assert fn["kms_key"] == "customer-managed"
    assert fn["code_signing"] == {"policy": "enforce"}
    assert "tracing" not in fn
    assert fn["environment"]["API_TOKEN"] == "tok_live_1234567890"  # literal kept: the threat engine flags it
    assert fn["tags"] == {"team": "ledger"}
    assert fn["layers"] == ["SharedLayerArn"]
    assert "no default" in r.notes["layers.SharedLayerArn"]


def test_roles_inline_managed_attached_and_boundary(imported) -> None:  # type: ignore[no-untyped-def]
    r = imported("cfn-network.yaml")
    role = r.data["roles"]["LedgerRole"]
    assert role["kind"] == "execution"
    assert role["statements"][0]["resources"] == ["table:LedgerTable"]
    assert role["statements"][0]["conditions"] == {"StringEquals": {"aws:SourceVpc": "${Vpc}"}}
    assert role["statements"][1] == {
        "effect": "Allow",
        "actions": ["secretsmanager:GetSecretValue"],
        "resources": ["secret:DbSecret"],
    }
    assert role["managed_policies"] == ["AWSLambdaVPCAccessExecutionRole", "ledger-extra"]
    assert "customer managed" in r.notes["roles.LedgerRole.managed_policies[1]"]
    assert role["permission_boundary"]["statements"][0]["actions"][0] == "dynamodb:*"
    assert r.data["roles"]["DeployRole"]["kind"] == "deployment"
    assert r.data["roles"]["DeployRole"]["statements"][0]["not_actions"] == ["iam:*"]
    assert r.data["deployment"] == {"tool": "cloudformation", "roles": ["DeployRole"]}


def test_event_sources_permissions_and_layers_in_json(imported) -> None:  # type: ignore[no-untyped-def]
    r = imported("cfn-relations.json")
    fn = r.data["functions"]["OrdersFunction"]
    assert fn["package"] == "image" and fn["image"] == {"base": "custom"}
    assert "base image" in r.notes["functions.OrdersFunction.image"]
    triggers = [(t["type"], t.get("source"), t.get("auth")) for t in fn["triggers"]]
    assert triggers == [
        ("sqs", "OrdersQueue", None),
        ("kinesis", "clicks", None),
        ("sns", "AuditTopic", None),
        ("s3", "UploadsBucket", None),
        ("schedule", None, None),
        ("cognito", "Pool", None),
        ("api_gateway", "Api", "cognito"),
        ("alb", "Alb", None),
        ("function_url", None, "iam"),
    ]
    assert r.data["resources"]["clicks"]["type"] == "kinesis"
    assert r.data["resources"]["Alb"]["exposure"] == "private"
    assert r.data["resources"]["UploadsBucket"]["public"] is False
    perms = fn["permissions"]
    assert perms[0] == {"sid": "PartnerPermission", "principal": "444455556666"}
    assert perms[1] == {"sid": "PublicPermission", "principal": "*", "org_id": "o-abc123"}
    assert perms[2]["source_account"] == "this-account" and r.data["accounts"] == {"this-account": {}}
    assert fn["async"] == {"on_failure": "OrdersDlq", "on_success": "AuditTopic", "max_retries": 1}
    assert fn["url"] == {"auth": "AWS_IAM"}
    layers = r.data["layers"]
    assert layers["SharedLayer"]["shared_with"] == ["org", "444455556666"]
    assert layers["LambdaInsightsExtension"] == {"publisher": "aws", "account_id": "580247275435"}
    assert layers["own-tools"] == {"publisher": "self"}
    assert warning_lines(r, "outside the template") == [117]


def test_intrinsic_functions(imported) -> None:  # type: ignore[no-untyped-def]
    r = imported("cfn-intrinsics.yaml")
    env = r.data["functions"]["Fn"]["environment"]
    assert env["SUB_LIST"] == "app-staging-${AWS::Region}"
    assert env["SUB_ESCAPE"] == "${Literal}-staging"
    assert env["JOINED"] == "a-staging-c"
    assert env["SELECTED"] == "y"
    assert env["SUBNET"] == "subnet-bbb"
    assert env["MAPPED"] == "ami-1"
    assert env["BY_REGION"] == "gold"  # every region agrees
    assert env["IMPORTED"] == "!ImportValue shared-bus-name"
    assert "another stack" in r.notes["functions.Fn.environment.IMPORTED"]
    assert (env["IF_AND"], env["IF_OR"], env["IF_UNKNOWN"]) == ("yes-both", "yes-either", "eu")
    assert "assumed true" in r.notes["functions.Fn.environment.IF_UNKNOWN"]
    assert env["CIDR"] == "10.1.2.0/24"
    assert env["AZ"] == "${AWS::Region}b"
    assert env["B64"] == "plain"
    assert "SSM" in r.notes["functions.Fn.environment.FROM_SSM"]
    assert env["PARTITION"] == "arn:aws:s3:::bucket"
    assert env["GETATT_LONG"] == "${Role.Arn}"
    assert "macro" in r.notes["functions.Fn.environment.TRANSFORMED"]
    assert env["DYNAMIC_SECURE"] == {"secret": True}
    assert env["DYNAMIC_SSM"] == "{{resolve:ssm:/app/url}}"


def test_messy_template_imports_with_located_warnings(imported) -> None:  # type: ignore[no-untyped-def]
    r = imported("cfn-messy.yaml")
    fn = r.data["functions"]["Broken"]
    assert fn["runtime"] == "unknown" and "RuntimeParam" in r.notes["functions.Broken.runtime"]
    assert "memory" not in fn and "timeout" not in fn and "vpc" not in fn
    assert fn["role"] == "legacy-exec" and "outside the template" in r.notes["roles.legacy-exec"]
    assert fn["triggers"][0] == {"type": "sqs", "source": "shared-queue-arn"}
    expected = {
        "has no Type": [7, 9, 28],
        "outside 128..10240": [16],
        "not a number": [17],
        "ignores its Policies": [19],
        "unknown YAML tag !Custom": [20],
        "needs subnets and security groups": [21],
        "Telepathy": [25],
        "AWS::IoTSiteWise::Gateway": [34],
        "Ghost": [39, 39],
        "out of range": [50],
    }
    for text, lines in expected.items():
        assert warning_lines(r, text) == lines, text


def test_nested_stacks_and_applications_are_followed(imported) -> None:  # type: ignore[no-untyped-def]
    r = imported("nested/parent.yaml")
    fns = r.data["functions"]
    assert fns["Notifier-Send"]["environment"] == {"CHANNEL": "email"}
    assert fns["Reports-Send"]["environment"] == {"CHANNEL": "sms"}
    assert r.locations["functions.Reports-Send"].file.endswith("nested/child.yaml")
    assert warning_lines(r, "not a local file") == [16]
    assert warning_lines(r, "includes itself") == [22]


def test_malformed_event_properties_and_resource_types_are_located_warnings(tmp_path: Path) -> None:
    template = tmp_path / "template.yaml"
    template.write_text(
        """AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  Weird:
    Type: [AWS::SQS::Queue]
    Properties:
      QueueName: q
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      CodeUri: src/
      Environment:
        Variables:
          QUEUE: !GetAtt Weird.QueueName
      Events:
        Tick:
          Type: Schedule
          Properties: rate(1 minute)
        Nightly:
          Type: Schedule
          Properties:
"""
    )
    r = import_path(template)
    assert warning_lines(r, "has no Type") == [4]
    assert warning_lines(r, "are not a mapping") == [18]
    assert not warning_lines(r, "cannot evaluate")
    fn = r.data["functions"]["Fn"]
    assert fn["environment"]["QUEUE"] == "${Weird.QueueName}"
    assert [t["type"] for t in fn["triggers"]] == ["schedule"]


def test_nested_stack_parameters_that_are_not_a_mapping_are_a_located_warning(tmp_path: Path) -> None:
    (tmp_path / "child.yaml").write_text(
        """Parameters:
  Channel:
    Type: String
    Default: email
Resources:
  Send:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      CodeUri: src/
      Environment:
        Variables:
          CHANNEL: !Ref Channel
"""
    )
    parent = tmp_path / "parent.yaml"
    parent.write_text(
        """Transform: AWS::Serverless-2016-10-31
Resources:
  Notifier:
    Type: AWS::Serverless::Application
    Properties:
      Location: child.yaml
      Parameters: Channel=sms
"""
    )
    r = import_path(parent)
    assert warning_lines(r, "Parameters of nested stack Notifier are not a mapping") == [7]
    assert r.data["functions"]["Notifier-Send"]["environment"] == {"CHANNEL": "email"}


def test_sam_private_api_endpoint_configuration(tmp_path: Path) -> None:
    template = tmp_path / "template.yaml"
    template.write_text(
        """Transform: AWS::Serverless-2016-10-31
Resources:
  Internal:
    Type: AWS::Serverless::Api
    Properties: {StageName: v1, EndpointConfiguration: {Type: PRIVATE}}
  Shorthand:
    Type: AWS::Serverless::Api
    Properties: {StageName: v1, EndpointConfiguration: PRIVATE}
  Edge:
    Type: AWS::Serverless::Api
    Properties: {StageName: v1, EndpointConfiguration: {Type: REGIONAL}}
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      Events:
        Get: {Type: Api, Properties: {RestApiId: !Ref Internal, Path: /p, Method: get}}
"""
    )
    r = import_path(template)
    resources = r.data["resources"]
    assert resources["Internal"]["exposure"] == "private"
    assert resources["Shorthand"]["exposure"] == "private"
    assert resources["Edge"]["exposure"] == "public"
    assert r.data["functions"]["Fn"]["triggers"] == [{"type": "api_gateway", "source": "Internal", "auth": "none"}]


def test_sam_api_events_with_different_auth_stay_separate_triggers(tmp_path: Path) -> None:
    template = tmp_path / "template.yaml"
    template.write_text(
        """Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      Events:
        Secured:
          Type: Api
          Properties: {Path: /admin, Method: post, Auth: {Authorizer: AWS_IAM}}
        Open:
          Type: Api
          Properties: {Path: /health, Method: get}
        AlsoSecured:
          Type: Api
          Properties: {Path: /admin2, Method: post, Auth: {Authorizer: AWS_IAM}}
"""
    )
    r = import_path(template)
    triggers = r.data["functions"]["Fn"]["triggers"]
    assert triggers == [
        {"type": "api_gateway", "source": "ServerlessRestApi", "auth": "iam"},
        {"type": "api_gateway", "source": "ServerlessRestApi", "auth": "none"},
    ]
    assert r.locations["functions.Fn.triggers[1]"].line == 12


def test_parameter_defaults_that_refer_to_each_other_are_a_located_warning(tmp_path: Path) -> None:
    template = tmp_path / "template.yaml"
    template.write_text(
        """AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  First: {Type: String, Default: !Ref Second}
  Second: {Type: String, Default: !Ref First}
Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Role: arn:aws:iam::111122223333:role/r
      Environment:
        Variables:
          NAME: !Sub "${First}"
"""
    )
    r = import_path(template)
    assert warning_lines(r, "refers back to itself") == [3]
    assert r.data["functions"]["Fn"]["environment"]["NAME"] == "${First}"
    assert "circular default" in r.notes["functions.Fn.environment.NAME"]


def test_placeholder_vpcs_get_distinct_cidrs(tmp_path: Path) -> None:
    template = tmp_path / "template.yaml"
    template.write_text(
        """AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Declared:
    Type: AWS::EC2::VPC
    Properties: {CidrBlock: 10.0.0.0/16}
  GroupA:
    Type: AWS::EC2::SecurityGroup
    Properties: {GroupDescription: a, VpcId: vpc-aaaa}
  GroupB:
    Type: AWS::EC2::SecurityGroup
    Properties: {GroupDescription: b, VpcId: vpc-bbbb}
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Role: arn:aws:iam::111122223333:role/r
      VpcConfig: {SubnetIds: [subnet-1], SecurityGroupIds: [!Ref GroupA]}
"""
    )
    r = import_path(template)
    vpcs = r.data["vpcs"]
    assert vpcs["Declared"]["cidr"] == "10.0.0.0/16"
    assert vpcs["vpc-aaaa"]["cidr"] == "10.1.0.0/16"
    assert vpcs["vpc-bbbb"]["cidr"] == "10.2.0.0/16"
    assert "placeholder" in r.notes["vpcs.vpc-bbbb.cidr"]
    assert not [w for w in r.warnings if "overlap" in w.message]


def test_arns_built_with_sub_and_pseudo_parameters(tmp_path: Path) -> None:
    template = tmp_path / "template.yaml"
    template.write_text(
        """AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement: [{Effect: Allow, Principal: {Service: lambda.amazonaws.com}, Action: sts:AssumeRole}]
      PermissionsBoundary: !Sub arn:aws:iam::${AWS::AccountId}:policy/LambdaBoundary
      ManagedPolicyArns:
        - !Sub arn:aws:iam::${AWS::AccountId}:policy/TeamPolicy
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Role: !GetAtt Role.Arn
      Layers:
        - !Sub arn:aws:lambda:${AWS::Region}:580247275435:layer:LambdaInsightsExtension:38
        - !Sub arn:aws:lambda:${AWS::Region}:901920570463:layer:aws-otel-python-amd64-ver-1-25-0:1
        - !Sub arn:aws:lambda:${AWS::Region}:464622532012:layer:Datadog-Extension:50
        - !Sub arn:aws:lambda:${AWS::Region}:${AWS::AccountId}:layer:shared:3
"""
    )
    r = import_path(template)
    role = r.data["roles"]["Role"]
    assert role["permission_boundary"] == {"managed_policy": "LambdaBoundary"}
    assert role["managed_policies"] == ["TeamPolicy"]
    layers = r.data["layers"]
    assert layers["LambdaInsightsExtension"] == {"publisher": "aws", "account_id": "580247275435"}
    assert layers["aws-otel-python-amd64-ver-1-25-0"] == {"publisher": "aws", "account_id": "901920570463"}
    assert layers["Datadog-Extension"] == {"publisher": "third-party", "account_id": "464622532012"}
    assert layers["shared"] == {"publisher": "self"}
    assert r.data["functions"]["Fn"]["layers"] == [
        "LambdaInsightsExtension",
        "aws-otel-python-amd64-ver-1-25-0",
        "Datadog-Extension",
        "shared",
    ]
    assert r.locations["functions.Fn.layers[0]"].line == 17
    assert not r.warnings


def test_nested_stack_outputs_pass_from_one_stack_into_another(tmp_path: Path) -> None:
    (tmp_path / "stacks").mkdir()
    (tmp_path / "stacks" / "network.yaml").write_text(
        """Parameters:
  Cidr: {Type: String}
Resources:
  Vpc: {Type: AWS::EC2::VPC, Properties: {CidrBlock: !Ref Cidr}}
  Subnet:
    Type: AWS::EC2::Subnet
    Properties: {VpcId: !Ref Vpc, CidrBlock: !Select [0, !Cidr [!Ref Cidr, 2, 8]], AvailabilityZone: eu-west-1a}
  Sg: {Type: AWS::EC2::SecurityGroup, Properties: {GroupDescription: lambda, VpcId: !Ref Vpc}}
Outputs:
  SubnetId: {Value: !Ref Subnet}
  SgId: {Value: !GetAtt Sg.GroupId}
"""
    )
    (tmp_path / "stacks" / "workers.yaml").write_text(
        """Transform: AWS::Serverless-2016-10-31
Parameters:
  SubnetId: {Type: String}
  SgId: {Type: String}
Resources:
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: nodejs20.x
      Handler: a.b
      VpcConfig: {SubnetIds: [!Ref SubnetId], SecurityGroupIds: [!Ref SgId]}
"""
    )
    parent = tmp_path / "parent.yaml"
    parent.write_text(
        """Transform: AWS::Serverless-2016-10-31
Resources:
  Workers:
    Type: AWS::Serverless::Application
    Properties:
      Location: ./stacks/workers.yaml
      Parameters:
        SubnetId: !GetAtt Network.Outputs.SubnetId
        SgId: !GetAtt Network.Outputs.SgId
  Network:
    Type: AWS::CloudFormation::Stack
    Properties:
      TemplateURL: stacks/network.yaml
      Parameters: {Cidr: 10.60.0.0/16}
  Escape:
    Type: AWS::CloudFormation::Stack
    Properties:
      TemplateURL: ../../../etc/passwd
"""
    )
    r = import_path(parent)
    assert r.data["vpcs"] == {
        "Network-Vpc": {
            "cidr": "10.60.0.0/16",
            "subnets": {"Network-Subnet": {"az": "eu-west-1a", "cidr": "10.60.0.0/24", "route": "isolated"}},
            "security_groups": {"Network-Sg": {"description": "lambda"}},
            "endpoints": {},
        }
    }
    assert r.data["functions"]["Workers-Worker"]["vpc"] == {
        "vpc": "Network-Vpc",
        "subnets": ["Network-Subnet"],
        "security_groups": ["Network-Sg"],
    }
    assert warning_lines(r, "outside the root template's directory") == [18]


def test_json_template_with_a_byte_order_mark_is_detected(tmp_path: Path) -> None:
    template = tmp_path / "stack.json"
    body = '{"Resources": {"Fn": {"Type": "AWS::Lambda::Function", "Properties": {"Runtime": "python3.12"}}}}'
    template.write_bytes(b"\xef\xbb\xbf" + body.encode())
    assert detect(template) == "cloudformation"
    assert import_path(template).data["functions"]["Fn"]["runtime"] == "python3.12"


def test_a_path_that_does_not_exist_is_a_located_error(tmp_path: Path) -> None:
    import pytest

    from tmgen.errors import ModelInvalid

    with pytest.raises(ModelInvalid) as exc:
        import_path(tmp_path / "missing.yaml")
    assert exc.value.errors[0].message == "no such file"
    assert exc.value.errors[0].location.line == 1


def test_foreach_expands_resources_with_substitution(imported) -> None:  # type: ignore[no-untyped-def]
    r = imported("cfn-foreach.yaml")
    functions = r.data["functions"]
    # a CommaDelimitedList parameter's default; ${Name} in keys, Sub strings and Ref Name
    assert functions["ordersWorker"]["environment"] == {"QUEUE": "orders"}
    assert functions["ordersWorker"]["triggers"] == [{"type": "sqs", "source": "ordersQueue"}]
    assert functions["refundsWorker"]["triggers"] == [{"type": "sqs", "source": "refundsQueue"}]
    assert r.data["resources"]["refundsQueue"] == {"type": "sqs"}
    assert r.locations["functions.ordersWorker"].line == 31  # the key the entry comes from
    assert warning_lines(r, "Timeout 9000 is outside") == [36]


def test_foreach_nested_loops_and_ampersand_identifiers(imported) -> None:  # type: ignore[no-untyped-def]
    r = imported("cfn-foreach.yaml")
    functions = r.data["functions"]
    # &{Tenant} drops the characters a logical id cannot hold; ${Tenant} keeps them
    assert {"Apiacmecorpdev", "Apiacmecorpprod", "Apiglobexdev", "Apiglobexprod"} <= set(functions)
    assert functions["Apiacmecorpprod"]["environment"] == {"TENANT": "acme-corp", "ENV": "prod"}
    # the conditions are generated by a loop over a Split of a parameter's default
    assert functions["Apiacmecorpdev"]["url"]["auth"] == "NONE"
    assert functions["Apiacmecorpdev"]["permissions"][0]["principal"] == "*"
    assert functions["Apiglobexdev"]["url"]["auth"] == "AWS_IAM"
    assert "permissions" not in functions["Apiglobexdev"]


def test_foreach_over_an_unresolvable_collection_is_skipped(imported) -> None:  # type: ignore[no-untyped-def]
    r = imported("cfn-foreach.yaml")
    assert warning_lines(r, "Fn::ForEach::Missing (AWS::LanguageExtensions) is not expanded") == [62]
    assert "parameter Unknown has no default" in next(w.message for w in r.warnings if "Missing" in w.message)
    assert not warning_lines(r, "has no Type")
    assert not any(name.startswith("Fn") for name in r.data["functions"])


def test_foreach_in_a_nested_stack_outputs(tmp_path: Path) -> None:
    (tmp_path / "net.yaml").write_text(
        """Transform: AWS::LanguageExtensions
Resources:
  Vpc: {Type: AWS::EC2::VPC, Properties: {CidrBlock: 10.4.0.0/16}}
  Fn::ForEach::Subnets:
    - N
    - ["1", "2"]
    - Subnet${N}:
        Type: AWS::EC2::Subnet
        Properties: {VpcId: !Ref Vpc, CidrBlock: "10.4.${N}.0/24", AvailabilityZone: eu-west-1a}
Outputs:
  Fn::ForEach::Out:
    - N
    - ["1", "2"]
    - Subnet${N}Id: {Value: !Ref "Subnet${N}"}
"""
    )
    (tmp_path / "template.yaml").write_text(
        """Resources:
  Net:
    Type: AWS::CloudFormation::Stack
    Properties: {TemplateURL: ./net.yaml}
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Role: arn:aws:iam::111122223333:role/r
      VpcConfig:
        SubnetIds: [!GetAtt Net.Outputs.Subnet1Id, !GetAtt Net.Outputs.Subnet2Id]
        SecurityGroupIds: [sg-0abc]
"""
    )
    r = import_path(tmp_path / "template.yaml")
    assert r.data["functions"]["Fn"]["vpc"]["subnets"] == ["Net-Subnet1", "Net-Subnet2"]
    assert r.data["vpcs"]["Net-Vpc"]["subnets"]["Net-Subnet2"]["cidr"] == "10.4.2.0/24"
    assert not [w for w in r.warnings if "ForEach" in w.message]
