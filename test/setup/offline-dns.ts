/**
 * No test may send a packet outside 127.0.0.0/8 and ::1, and the system's DNS resolver is outside:
 * every test file resolves host names through the loopback-only resolver instead.
 */
import { useResolver } from '../../src/net/endpoint-guard.js';
import { loopbackResolver } from '../helpers/network.js';

useResolver(loopbackResolver);
