// Given to a child's NODE_OPTIONS as --import: records every module specifier it resolves.
import { register } from 'node:module';

register('./hooks.mjs', import.meta.url);
