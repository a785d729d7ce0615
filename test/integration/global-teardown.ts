// test: placeholder until the local-stack setup lands (being written now).
export default async function globalTeardown(): Promise<void> {}
