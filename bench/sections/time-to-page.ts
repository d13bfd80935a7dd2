/** Time to page through the incident pipeline (bench/time-to-page.ts): schedules, confirmation, store, delivery. */
import type { BenchSection } from '../context';
import { timeToPageSection as measure, type TimeToPageResult } from '../time-to-page';
import { log } from '../print';

export const timeToPageSection: BenchSection<'timeToPage', TimeToPageResult> = {
  key: 'timeToPage',
  heading: 'time to page: the incident pipeline, from the deployed schedules to the channel',
  run: ({ quick }) => measure(quick, log),
};
