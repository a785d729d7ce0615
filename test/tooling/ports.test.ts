// test: the port a stack's gateway (or DynamoDB Local) is given before its process binds it — below the range the
// OS hands out for port-0 binds and outgoing connections, so nothing else on the machine is given it meanwhile.
import { readFileSync } from 'node:fs';
import { portOutsideEphemeralRange } from '../../local/emulators/ports';

const [ephemeralLow] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')
  .trim()
  .split(/\s+/)
  .map(Number);

describe('portOutsideEphemeralRange', () => {
  it('draws free ports below the ephemeral range, never one fetch refuses', async () => {
    const ports = await Promise.all(Array.from({ length: 20 }, () => portOutsideEphemeralRange()));

    for (const port of ports) {
      expect({ port, belowEphemeral: port < (ephemeralLow ?? 0), atLeast10000: port >= 10_000 }).toEqual({
        port,
        belowEphemeral: true,
        atLeast10000: true,
      });
      expect([5060, 5061]).not.toContain(port);
    }
    expect(new Set(ports).size).toBeGreaterThan(1);
  });
});
