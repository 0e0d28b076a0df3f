/**
 * The dev stack's S3 bucket: `ncap dev up` creates it on MinIO, so a sweep with `--store s3://ncap/…`
 * works on a fresh stack (a store whose bucket does not exist fails at once, naming the bucket).
 */
import type { DevStackInfo } from './stack-info.js';

/** The bucket `ncap dev up` creates on the dev stack's MinIO. */
export const DEV_BUCKET = 'ncap';

/** The dev stack's S3 store URI under {@link DEV_BUCKET}. */
export const DEV_S3_STORE_URI = `s3://${DEV_BUCKET}/sweeps`;

/** Creates {@link DEV_BUCKET} unless it exists (idempotent). */
export async function ensureDevBucket(s3: DevStackInfo['s3']): Promise<void> {
  const { S3Client, CreateBucketCommand } = await import('@aws-sdk/client-s3');
  const client = new S3Client({
    endpoint: s3.endpoint,
    region: s3.region,
    forcePathStyle: true,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
  });
  try {
    await client.send(new CreateBucketCommand({ Bucket: DEV_BUCKET }));
  } catch (error) {
    const name = (error as { name?: string }).name;
    if (name !== 'BucketAlreadyOwnedByYou' && name !== 'BucketAlreadyExists') throw error;
  } finally {
    client.destroy();
  }
}
