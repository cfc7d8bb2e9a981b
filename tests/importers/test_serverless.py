"""Serverless Framework services: variables, provider defaults, functions, events, IAM, resources."""

from __future__ import annotations

from pathlib import Path

from tmgen.importers import detect, import_path

FIXTURES = Path(__file__).parent / "fixtures"


def test_detects_serverless_file_and_directory() -> None:
    assert detect(FIXTURES / "sls" / "serverless.yml") == "serverless"
    assert detect(FIXTURES / "sls") == "serverless"


def test_variables_and_provider_defaults(imported) -> None:  # type: ignore[no-untyped-def]
    r = imported("sls/serverless.yml")
    create = r.data["functions"]["create"]
    assert r.data["workload"]["name"] == "orders-api"
    assert create["runtime"] == "nodejs20.x"
    assert create["memory"] == 512  # provider -> ${self:custom.settings.memory} -> ${file(...):${opt:stage, 'dev'}}
    assert create["timeout"] == 6 and "Framework default" in r.notes["functions.create.timeout"]
    env = create["environment"]
    assert env["TABLE"] == "orders-dev" and "'dev' assumed" in r.notes["functions.create.environment.TABLE"]
    assert env["API_KEY"] == "${ssm:/orders/api-key}"
    assert env["DB_PASSWORD"] == {"secret": True}
    assert env["FROM_ENV"] == "https://orders.example"


def test_code_resolvers_are_never_run_and_files_stay_inside(imported) -> None:  # type: ignore[no-untyped-def]
    r = imported("sls/serverless.yml")
    env = r.data["functions"]["create"]["environment"]
    assert env["DYNAMIC"] == "${file(./parts/dynamic.js):value}"
    assert "never runs it" in r.notes["functions.create.environment.DYNAMIC"]
    assert [w.location.line for w in r.warnings if "outside the service directory" in w.message] == [23]


def test_functions_from_a_list_of_files_with_vpc_and_layers(imported) -> None:  # type: ignore[no-untyped-def]
    r = imported("sls/serverless.yml")
    create, report = r.data["functions"]["create"], r.data["functions"]["report"]
    assert create["vpc"] == {
        "vpc": "vpc-0abc",
        "subnets": ["subnet-dev-a", "subnet-dev-b"],
        "security_groups": ["LambdaSg"],
    }
    assert report["timeout"] == 30 and report["role"] == "ReportRole"
    assert create["reserved_concurrency"] == 5 and create["tracing"] is True
    assert r.data["layers"]["aws-otel-nodejs-amd64-ver-1-18-1"] == {"publisher": "aws", "account_id": "901920570463"}
    assert create["async"] == {"on_failure": "orders-failures"}


def test_events_become_triggers_and_permissions(imported) -> None:  # type: ignore[no-untyped-def]
    r = imported("sls/serverless.yml")
    create = r.data["functions"]["create"]
    assert [(t["type"], t.get("source"), t.get("auth")) for t in create["triggers"]] == [
        ("function_url", None, "none"),
        ("api_gateway", "ApiGatewayRestApi", "iam"),
        ("http_api", "HttpApi", "jwt"),
        ("sqs", "IncomingQueue", None),
        ("dynamodb", "OrdersTable", None),
        ("s3", "orders-uploads", None),
        ("sns", "order-events", None),
        ("alb", "web", None),
    ]
    assert create["url"] == {"auth": "NONE", "cors_origins": ["*"]}
    principals = [p["principal"] for p in create["permissions"]]
    assert principals[:2] == ["111122223333", "*"]  # from resources, then the public URL
    assert "s3.amazonaws.com" in principals
    report = r.data["functions"]["report"]
    assert [(t["type"], t.get("source")) for t in report["triggers"]] == [
        ("schedule", None),
        ("eventbridge", "partners"),
        ("cognito", "Customers"),
    ]
    assert [w.location.line for w in r.warnings if "websocket" in w.message] == [51]


def test_shared_role_statements_and_managed_policies(imported) -> None:  # type: ignore[no-untyped-def]
    r = imported("sls/serverless.yml")
    role = r.data["roles"]["IamRoleLambdaExecution"]
    assert r.data["functions"]["create"]["role"] == "IamRoleLambdaExecution"
    assert role["statements"][0] == {
        "effect": "Allow",
        "actions": ["dynamodb:PutItem", "dynamodb:Query"],
        "resources": ["table:OrdersTable"],
    }
    assert {
        "effect": "Allow",
        "actions": ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"],
        "resources": ["queue:IncomingQueue"],
    } in role["statements"]
    assert role["managed_policies"] == ["AmazonSSMReadOnlyAccess", "AWSLambdaVPCAccessExecutionRole"]
    assert r.data["roles"]["ReportRole"]["statements"][0]["actions"] == ["s3:PutObject"]


def test_variables_that_refer_to_each_other_stop(imported) -> None:  # type: ignore[no-untyped-def]
    r = imported("sls-cycle/serverless.yml")
    assert r.data["functions"]["f"]["environment"]["X"].startswith("${self:custom")
    assert r.notes["functions.f.environment.X"] == "unresolved: self:custom.a refers to itself"


def test_http_events_with_different_auth_keep_one_trigger_each(tmp_path: Path) -> None:
    (tmp_path / "serverless.yml").write_text(
        """service: auth-mix
provider: {name: aws, runtime: nodejs20.x}
functions:
  api:
    handler: h.h
    events:
      - http: {path: admin, method: post, authorizer: aws_iam}
      - http: {path: health, method: get}
      - http: {path: keys, method: get, private: true}
      - http: {path: admin2, method: post, authorizer: aws_iam}
"""
    )
    r = import_path(tmp_path)
    triggers = r.data["functions"]["api"]["triggers"]
    assert triggers == [
        {"type": "api_gateway", "source": "ApiGatewayRestApi", "auth": "iam"},
        {"type": "api_gateway", "source": "ApiGatewayRestApi", "auth": "none"},
        {"type": "api_gateway", "source": "ApiGatewayRestApi", "auth": "api_key"},
    ]
    assert r.locations["functions.api.triggers[1]"].line == 8


def test_short_form_sub_keeps_cloudformation_placeholders(tmp_path: Path) -> None:
    (tmp_path / "serverless.yml").write_text(
        """service: subs
custom:
  prefix: app
provider:
  name: aws
  runtime: nodejs20.x
  iam:
    role:
      statements:
        - Effect: Allow
          Action: dynamodb:Query
          Resource: !Sub '${Table.Arn}/index/*'
        - Effect: Allow
          Action: ssm:GetParameter
          Resource: !Sub 'arn:aws:ssm:${AWS::Region}:${AWS::AccountId}:parameter/${self:custom.prefix}/*'
        - Effect: Allow
          Action: sqs:SendMessage
          Resource:
            Fn::Sub: ['arn:aws:sqs:${AWS::Region}:${AWS::AccountId}:${Name}', {Name: '${self:custom.prefix}-q'}]
functions:
  api:
    handler: h.h
    environment:
      TABLE_ARN: !Sub '${Table.Arn}'
resources:
  Resources:
    Table: {Type: AWS::DynamoDB::Table}
"""
    )
    r = import_path(tmp_path)
    statements = r.data["roles"]["IamRoleLambdaExecution"]["statements"]
    assert statements[0]["resources"] == ["table:Table"]
    assert statements[1]["resources"] == ["arn:aws:ssm:${AWS::Region}:${AWS::AccountId}:parameter/app/*"]
    assert statements[2]["resources"] == ["arn:aws:sqs:${AWS::Region}:${AWS::AccountId}:app-q"]
    assert r.data["functions"]["api"]["environment"]["TABLE_ARN"] == "${Table.Arn}"
    assert not r.warnings


def test_file_variable_that_refers_back_to_itself_is_a_located_warning(tmp_path: Path) -> None:
    (tmp_path / "serverless.yml").write_text(
        """service: loops
custom:
  own: ${file(./serverless.yml):custom.own}
  other: ${file(./other.yml):x}
provider:
  name: aws
  runtime: nodejs20.x
  environment:
    OWN: ${self:custom.own}
    OTHER: ${self:custom.other}
functions:
  f:
    handler: h.h
"""
    )
    (tmp_path / "other.yml").write_text("x: ${file(./serverless.yml):custom.other}\n")
    r = import_path(tmp_path)
    env = r.data["functions"]["f"]["environment"]
    assert env["OWN"] == "${file(./serverless.yml):custom.own}"
    assert "refers to itself" in r.notes["functions.f.environment.OWN"]
    assert env["OTHER"] == "${file(./other.yml):x}"
    assert sorted(w.location.line for w in r.warnings if "refers back to itself" in w.message) == [9, 10]


def test_service_layers_and_references_to_them(tmp_path: Path) -> None:
    (tmp_path / "serverless.yml").write_text(
        """service: with-layers
provider:
  name: aws
  runtime: nodejs20.x
  layers:
    - {Ref: CommonLibsLambdaLayer}
layers:
  commonLibs:
    path: layer
    description: shared code
    allowedAccounts: ['*']
  private_bits:
    path: private
    allowedAccounts: ['444455556666', 'someone']
functions:
  api:
    handler: h.h
  worker:
    handler: h.w
    layers:
      - Ref: PrivateUnderscorebitsLambdaLayer
"""
    )
    r = import_path(tmp_path)
    layers = r.data["layers"]
    assert layers["commonLibs"] == {"publisher": "self", "description": "shared code", "shared_with": ["*"]}
    assert layers["private_bits"] == {"publisher": "self", "shared_with": ["444455556666"]}
    assert r.data["functions"]["api"]["layers"] == ["commonLibs"]
    assert r.data["functions"]["worker"]["layers"] == ["private_bits"]
    assert r.locations["layers.commonLibs"].line == 8
    assert [w.location.line for w in r.warnings] == [14]
    assert "is not an account id" in r.warnings[0].message
