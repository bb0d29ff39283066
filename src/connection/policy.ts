/** The least-privilege IAM policy for one bucket (and base path), as shown when a permission is missing. */
export type Access = 'read' | 'write';

export interface IamPolicy {
  Version: '2012-10-17';
  Statement: Array<{
    Sid: string;
    Effect: 'Allow';
    Action: string[];
    Resource: string;
    Condition?: Record<string, Record<string, string[]>>;
  }>;
}

export const READ_ACTIONS = ['s3:GetObject'];
export const WRITE_ACTIONS = ['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload'];

export function minimalPolicy(bucket: string, basePath: string, access: Access = 'read'): IamPolicy {
  const prefixed = basePath !== '';
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'ListTheBucket',
        Effect: 'Allow',
        Action: ['s3:ListBucket'],
        Resource: `arn:aws:s3:::${bucket}`,
        // With a base path, listing is allowed under it only: what an image CDN's path prefix needs.
        ...(prefixed ? { Condition: { StringLike: { 's3:prefix': [`${basePath}*`] } } } : {}),
      },
      {
        Sid: access === 'read' ? 'ReadObjects' : 'ReadWriteObjects',
        Effect: 'Allow',
        Action: access === 'read' ? READ_ACTIONS : WRITE_ACTIONS,
        Resource: `arn:aws:s3:::${bucket}/${basePath}*`,
      },
    ],
  };
}
