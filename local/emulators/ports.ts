// local: finds a free TCP port on the loopback interface for emulators that cannot pick one themselves
import { randomInt } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/**
 * Asks the OS for a free port on 127.0.0.1 by binding port 0 and closing again.
 * There is a window in which another socket could be given the port; emulators that can bind port 0 themselves
 * (Node servers) do so instead, and a server that binds later takes portOutsideEphemeralRange.
 */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.unref();
    probe.once('error', reject);
    probe.listen({ port: 0, host: '127.0.0.1', exclusive: true }, () => {
      const address = probe.address();
      if (address === null || typeof address === 'string') {
        probe.close();
        reject(new Error('could not read the port the OS assigned to the free-port probe'));
        return;
      }
      probe.close((closeError) => (closeError ? reject(closeError) : resolve(address.port)));
    });
  });
}

/** Ports node's fetch refuses to connect to (the SIP ports), so a stack there would be unreachable from tests. */
const fetchRefusedPorts = new Set([5060, 5061]);

/** The range the OS hands out for port-0 binds and outgoing connections (Linux; elsewhere Linux's default). */
function ephemeralPortRange(): readonly [number, number] {
  const file = '/proc/sys/net/ipv4/ip_local_port_range';
  const [low, high] = existsSync(file) ? readFileSync(file, 'utf8').trim().split(/\s+/).map(Number) : [];
  return low !== undefined && high !== undefined && low > 0 && high >= low ? [low, high] : [32768, 60999];
}

/**
 * A free port on 127.0.0.1 for a server that binds it later (the stack's API gateway, which a test starts in a
 * child process; DynamoDB Local, a java process). freePort's port comes from the ephemeral range, and while the
 * later process starts, any port-0 bind or outgoing connection on this machine may be handed the same port (one
 * CI run lost its gateway port so: EADDRINUSE). This one is drawn below that range, where the OS hands out
 * nothing by itself, at random so that stacks started side by side rarely meet, and checked free. Only a process
 * that asks for this very port can still take it.
 */
export async function portOutsideEphemeralRange(): Promise<number> {
  const [ephemeralLow] = ephemeralPortRange();
  const low = 10_000;
  const high = ephemeralLow - 1;
  if (high - low >= 1_000) {
    for (let attempt = 0; attempt < 100; attempt += 1) {
      const port = randomInt(low, high + 1);
      if (!fetchRefusedPorts.has(port) && (await isPortFree(port))) return port;
    }
  }
  return freePort();
}

/** True when nothing listens on 127.0.0.1:`port` yet (checked by binding it for a moment). */
export async function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.unref();
    probe.once('error', () => resolve(false));
    probe.listen({ port, host: '127.0.0.1', exclusive: true }, () => probe.close(() => resolve(true)));
  });
}

/**
 * Local addresses on which some process listens on TCP `port`, read from /proc/net/tcp{,6} (Linux only).
 * Lets tests and health checks prove an emulator is reachable from this machine only.
 */
export function listeningAddresses(port: number): string[] {
  const listenState = '0A';
  const addresses: string[] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    if (!existsSync(table)) {
      continue;
    }
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const [, localAddress, , state] = line.trim().split(/\s+/);
      const [addressHex, portHex] = (localAddress ?? '').split(':');
      if (state !== listenState || addressHex === undefined || Number.parseInt(portHex ?? '', 16) !== port) {
        continue;
      }
      addresses.push(decodeProcNetAddress(addressHex));
    }
  }
  return addresses;
}

/** /proc/net writes addresses as 32-bit words in host (little-endian) byte order. */
function decodeProcNetAddress(addressHex: string): string {
  const bytes = Buffer.alloc(addressHex.length / 2);
  for (let wordStart = 0; wordStart < addressHex.length; wordStart += 8) {
    bytes.writeUInt32BE(Number.parseInt(addressHex.slice(wordStart, wordStart + 8), 16), wordStart / 2);
    bytes.subarray(wordStart / 2, wordStart / 2 + 4).reverse();
  }
  const isIpv4MappedIpv6 =
    bytes.length === 16 &&
    bytes.subarray(0, 10).every((byte) => byte === 0) &&
    bytes.readUInt16BE(10) === 0xffff;
  if (bytes.length === 4 || isIpv4MappedIpv6) {
    return [...bytes.subarray(bytes.length - 4)].join('.');
  }
  const groups: string[] = [];
  for (let offset = 0; offset < 16; offset += 2) {
    groups.push(bytes.readUInt16BE(offset).toString(16));
  }
  return groups.join(':');
}
