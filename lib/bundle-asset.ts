/**
 * A function's code asset from the prebuilt runner bundle (dist/runner/, lib/runner-bundle.ts): the
 * named files copied into the asset's own layout, and one generated file (the runner's fleet.json,
 * the backstop notifier's backstop.json) written beside them. It is CDK's local bundling, so the copy
 * lands straight in cdk.out, stacks excluded from bundling (`cdk synth --exclusively`, the tests'
 * `aws:cdk:bundling-stacks`) skip it, and the asset hash is the output's. Nothing runs esbuild, Docker
 * or a package manager at synth time (docs/DESIGN.md#packaging).
 */
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { DockerImage } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { packagedPath, readRunnerBundleStamp, RUNNER_BUNDLE_DIR, sha256 } from './runner-bundle';

export interface GeneratedFile {
  /** Its name in the asset, beside index.js. */
  readonly name: string;
  readonly text: string;
  /**
   * The bundling environment variable carrying its hash: CDK reuses a bundled asset within one app by
   * source path and bundling options, so the bundle's and this file's hashes make two different
   * files two different assets.
   */
  readonly hashVariable: string;
}

export function bundleAsset(files: readonly string[], generated: GeneratedFile): lambda.Code {
  const bundleDir = RUNNER_BUNDLE_DIR;
  const stamp = readRunnerBundleStamp(bundleDir);
  return lambda.Code.fromAsset(bundleDir, {
    bundling: {
      // Never run: tryBundle below always bundles (or throws). BundlingOptions requires an image.
      image: DockerImage.fromRegistry('synthmon-bundles-locally'),
      environment: { SYNTHMON_BUNDLE_SHA256: stamp.sha256, [generated.hashVariable]: sha256(generated.text) },
      local: {
        tryBundle(outputDir: string): boolean {
          for (const file of files) {
            mkdirSync(path.dirname(path.join(outputDir, file)), { recursive: true });
            cpSync(path.join(bundleDir, packagedPath(file)), path.join(outputDir, file));
          }
          writeFileSync(path.join(outputDir, generated.name), generated.text);
          return true;
        },
      },
    },
  });
}
