import { TARGETS } from '../helpers/server.ts';
import { conformanceSuite } from './suite.ts';

conformanceSuite('node', () => TARGETS['node']!);
