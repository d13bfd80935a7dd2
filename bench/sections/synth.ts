/** Scale: a 1,000-check fleet in three locations, synthesized by cdk.json's app (child process). */
import type { BenchSection } from '../context';
import { ROOT } from '../context';
import { fmt, log, pad } from '../print';
import { measureScaleSynth, type SynthScaleResult } from '../synth';

export const SCALE_CHECKS = 1000;
export const SCALE_LOCATIONS = ['eu-west-1', 'us-east-1', 'ap-southeast-1'] as const;

export const scaleSection: BenchSection<'scale', SynthScaleResult> = {
  key: 'scale',
  heading: `scale: ${SCALE_CHECKS} checks in ${SCALE_LOCATIONS.length} locations, synthesized by cdk.json's app (bin/app.ts, real bundling, cdk-nag; child process)`,
  run() {
    const scale: SynthScaleResult = measureScaleSynth({ projectRoot: ROOT, checks: SCALE_CHECKS, locations: SCALE_LOCATIONS, timeoutMs: 600_000 });
    log(
      `synth ${fmt(scale.synthSeconds, 1)} s; ${scale.stacks} templates; ${scale.functions} functions, ${scale.roles} roles, ${scale.schedules} schedules, ` +
        `${scale.alarms} alarms; dashboard ${scale.dashboardWidgets} widgets; ${scale.bundlings} runner bundlings → ${scale.assets} distinct asset(s)`,
    );
    for (const s of scale.perStack)
      log(
        `  ${pad(s.stack, 44)} ${String(s.resources).padStart(4)} resources  ${String(s.outputs).padStart(3)} outputs  ${fmt(s.templateBytes / 1024, 0).padStart(5)} KiB`,
      );
    return scale;
  },
};
