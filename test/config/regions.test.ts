/**
 * Locations: `locations` and `homeRegion` are validated against the regions this aws-cdk-lib knows,
 * kept in contracts/regions.ts (generated, so the CLI never loads aws-cdk-lib/region-info). The table
 * must be exactly what the installed aws-cdk-lib says, and the CLI bundle must not carry aws-cdk-lib.
 */
import { createRequire } from 'node:module';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { partitionOf } from '../../contracts/regions';
import { REGION_PARTITIONS } from '../../contracts/regions';

const require = createRequire(import.meta.url);
const REGENERATE = 'node scripts/generate-regions.mjs';

describe('contracts/regions.ts', () => {
  it(`is the installed aws-cdk-lib's RegionInfo, region by region with its partition (else run: ${REGENERATE})`, () => {
    const { RegionInfo } = require('aws-cdk-lib/region-info') as typeof import('aws-cdk-lib/region-info');
    const installed = Object.fromEntries(
      RegionInfo.regions.map((r) => [r.name, RegionInfo.get(r.name).partition]).sort(([a], [b]) => a!.localeCompare(b!)),
    );
    const version = (require('aws-cdk-lib/package.json') as { version: string }).version;
    expect(REGION_PARTITIONS, `contracts/regions.ts differs from aws-cdk-lib ${version}'s regions: run ${REGENERATE}`).toEqual(installed);
  });

  it('knows the partitions a monitor can be split by', () => {
    expect(partitionOf('us-east-1')).toBe('aws');
    expect(partitionOf('cn-north-1')).toBe('aws-cn');
    expect(partitionOf('us-gov-west-1')).toBe('aws-us-gov');
    expect(partitionOf('eu-west-9')).toBeUndefined();
    expect(partitionOf('constructor')).toBeUndefined();
  });

  /** What an entry point's bundle imports from packages, built as scripts/build.mjs builds the CLI. */
  const packageImports = async (entry: string) => {
    const out = await build({
      entryPoints: [entry],
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      packages: 'external',
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    return { inputs: Object.keys(out.metafile.inputs), imports: Object.values(out.metafile.inputs).flatMap((i) => i.imports.map((x) => x.path)) };
  };

  it('validates regions without aws-cdk-lib: the schema loads no CDK module, the CLI never region-info', async () => {
    const schema = await packageImports('contracts/config/index.ts');
    expect(schema.inputs).toContain('contracts/regions.ts');
    expect(schema.imports.filter((p) => p.startsWith('aws-cdk-lib') || p === 'constructs')).toEqual([]);
    const cli = await packageImports('bin/synthmon.ts');
    expect(cli.inputs).toContain('contracts/regions.ts');
    expect(cli.imports.filter((p) => p.includes('region-info'))).toEqual([]);
  });
});
