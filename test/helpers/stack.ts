/**
 * Access from test files to the dev stack started once per run by `global-setup.ts`: the real Temporal
 * dev server and the real S3-compatible server. Each test takes its own bucket and task queue.
 */
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import type { DevStackInfo } from '../../scripts/dev/stack-info.js';

declare module 'vitest' {
  export interface ProvidedContext {
    ncapStack: DevStackInfo;
  }
}

export type { DevStackInfo };

/** The running stack (integration project only). */
export function stack(): DevStackInfo {
  const info = inject('ncapStack');
  if (!info) throw new Error('The dev stack is only available to tests under test/integration or test/e2e');
  return info;
}

/** A short unique suffix for names that must not collide across tests and runs. */
export function uniqueSuffix(): string {
  return `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}

/** A task queue no other test uses. */
export function uniqueTaskQueue(label: string): string {
  return `test-${label}-${uniqueSuffix()}`;
}

/** An S3 client for the test stack's MinIO (path-style); `info` picks another stack. */
export async function testS3Client(info: DevStackInfo = stack()) {
  const { S3Client } = await import('@aws-sdk/client-s3');
  const { s3 } = info;
  return new S3Client({
    endpoint: s3.endpoint,
    region: s3.region,
    forcePathStyle: true,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
  });
}

/** S3 store options for the test stack, to pass to `openStore(uri, { s3 })`; `info` picks another stack. */
export function testS3Options(info: DevStackInfo = stack()) {
  const { s3 } = info;
  return {
    endpoint: s3.endpoint,
    region: s3.region,
    forcePathStyle: true,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
  };
}

/**
 * Creates a bucket no other test uses; returns its name, an `s3://bucket/prefix` URI and a cleanup that
 * empties and removes it.
 */
export async function createTestBucket(
  label: string,
  info: DevStackInfo = stack(),
): Promise<{ bucket: string; uri: string; cleanup: () => Promise<void> }> {
  const { CreateBucketCommand, DeleteBucketCommand, ListObjectsV2Command, DeleteObjectsCommand } =
    await import('@aws-sdk/client-s3');
  const client = await testS3Client(info);
  const bucket = `t-${label
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, '-')
    .slice(0, 30)}-${uniqueSuffix()}`.slice(0, 63);
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  return {
    bucket,
    uri: `s3://${bucket}/ncap`,
    cleanup: async () => {
      for (;;) {
        const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, MaxKeys: 1000 }));
        const keys = (page.Contents ?? []).flatMap((o) => (o.Key ? [{ Key: o.Key }] : []));
        if (keys.length === 0) break;
        await client.send(
          new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys, Quiet: true } }),
        );
      }
      await client.send(new DeleteBucketCommand({ Bucket: bucket }));
      client.destroy();
    },
  };
}
