import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  PutObjectTaggingCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';

type CommandClass = abstract new (...args: never[]) => unknown;

/**
 * The IAM action each S3 call needs, so an AccessDenied names the permission to add.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/using-with-s3-policy-actions.html
 */
const IAM_ACTIONS = new Map<CommandClass, string>([
  [GetObjectCommand, 's3:GetObject'],
  [HeadObjectCommand, 's3:GetObject'],
  [GetObjectTaggingCommand, 's3:GetObjectTagging'],
  [ListObjectsV2Command, 's3:ListBucket'],
  [HeadBucketCommand, 's3:ListBucket'],
  [PutObjectCommand, 's3:PutObject'],
  [PutObjectTaggingCommand, 's3:PutObjectTagging'],
  [CopyObjectCommand, 's3:PutObject'],
  [CreateMultipartUploadCommand, 's3:PutObject'],
  [UploadPartCommand, 's3:PutObject'],
  [CompleteMultipartUploadCommand, 's3:PutObject'],
  [AbortMultipartUploadCommand, 's3:AbortMultipartUpload'],
  [ListMultipartUploadsCommand, 's3:ListBucketMultipartUploads'],
  [DeleteObjectCommand, 's3:DeleteObject'],
  [DeleteObjectsCommand, 's3:DeleteObject'],
]);

export function iamActionFor(command: object): string | undefined {
  return IAM_ACTIONS.get(command.constructor as CommandClass);
}
