/**
 * S3's own limits, each with the AWS page that sets it.
 */

/** A key is at most 1,024 bytes of UTF-8. https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-keys.html */
export const MAX_KEY_BYTES = 1024;

/** ListObjectsV2 returns at most 1,000 keys per page. https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html */
export const MAX_KEYS_PER_PAGE = 1000;

/** DeleteObjects takes at most 1,000 keys per request. https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObjects.html */
export const MAX_KEYS_PER_DELETE = 1000;

/** User-defined metadata: at most 2 KB for all keys and values together. https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingMetadata.html#UserMetadata */
export const MAX_USER_METADATA_BYTES = 2 * 1024;

/** A multipart part is at least 5 MiB (except the last). https://docs.aws.amazon.com/AmazonS3/latest/userguide/qfacts.html */
export const MIN_PART_BYTES = 5 * 1024 * 1024;

/** At most 10,000 parts per upload. https://docs.aws.amazon.com/AmazonS3/latest/userguide/qfacts.html */
export const MAX_PARTS = 10_000;

/** A single PUT carries at most 5 GiB. https://docs.aws.amazon.com/AmazonS3/latest/userguide/upload-objects.html */
export const MAX_SINGLE_PUT_BYTES = 5 * 1024 ** 3;

/** CopyObject copies at most 5 GiB in one request; larger objects need a multipart copy (UploadPartCopy). https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html */
export const MAX_SINGLE_COPY_BYTES = 5 * 1024 ** 3;

/** An object is at most 5 TiB (48.8 TiB since 2025 on AWS, but not on most compatible services). https://docs.aws.amazon.com/AmazonS3/latest/userguide/qfacts.html */
export const MAX_OBJECT_BYTES = 5 * 1024 ** 4;

/** A presigned URL made with access keys lives at most 7 days. https://docs.aws.amazon.com/AmazonS3/latest/userguide/using-presigned-url.html */
export const MAX_PRESIGN_SECONDS = 7 * 24 * 60 * 60;

/** At most 10 tags per object. https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-tagging.html */
export const MAX_TAGS = 10;

/** A tag key is at most 128 Unicode characters, a value at most 256. https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-tagging.html */
export const MAX_TAG_KEY_CHARS = 128;
export const MAX_TAG_VALUE_CHARS = 256;
