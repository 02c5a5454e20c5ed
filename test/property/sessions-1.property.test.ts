/**
 * Shard 1 of 2 of the randomized property test of whole paid sessions (property-run.ts):
 * one test file per core, each with its own local system, so both cores share the work.
 */
import { definePropertyTest } from './property-run';

definePropertyTest(0, 2);
