import { Stack, Validations, type CfnElement } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

export interface NagAcknowledgement {
  /** The cdk-nag rule, e.g. `AwsSolutions-IAM5`. */
  readonly id: string;
  /** Why the finding is acceptable here; shown in reviews and audit trails. */
  readonly reason: string;
  /**
   * Acknowledge only these findings of the rule (`Resource::...`, `Action::...`), not the rule as a whole.
   * @default - the whole rule
   */
  readonly appliesTo?: readonly string[];
}

/**
 * Records that a cdk-nag rule is knowingly not met by `scope` and everything under it
 * (cdk-nag 3 reads CDK's `Validations` acknowledgements; a finding is `Rule[finding]`).
 */
export function acknowledge(scope: IConstruct, ...acknowledgements: NagAcknowledgement[]): void {
  for (const { id, reason, appliesTo } of acknowledgements) {
    if (reason.trim().length < 20) throw new Error(`acknowledging ${id} on ${scope.node.path} needs a real reason`);
    const ids = appliesTo === undefined ? [id] : appliesTo.map((finding) => `${id}[${finding}]`);
    for (const ruleId of ids) Validations.of(scope).acknowledge({ id: ruleId, reason });
  }
}

/**
 * The CloudFormation logical id of a construct's main resource, as cdk-nag prints it in
 * findings such as `Resource::<SessionsTable1234.Arn>/index/*`.
 */
export function logicalIdOf(construct: IConstruct): string {
  const resource = construct.node.defaultChild as CfnElement | undefined;
  if (resource === undefined) throw new Error(`${construct.node.path} has no CloudFormation resource of its own`);
  return Stack.of(construct).resolve(resource.logicalId) as string;
}
