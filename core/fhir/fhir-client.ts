import { AppError } from '../platform/errors.js';
import { fhirUnavailable } from './fhir-problems.js';
import type { FhirReader, FhirSource } from './hook-data.js';

/**
 * Reading from the EHR's FHIR server on a hook call's behalf: the outbound
 * HTTP adapter behind `FhirReader`. Every read of one call shares one
 * deadline (CDS_FHIR_TIMEOUT_MS); only origins in CDS_FHIR_SERVERS are
 * contacted when that is set; redirects are not followed (they could lead
 * anywhere); the access token goes only to the server it was issued for.
 * Whatever goes wrong is a 412 naming the read, never a 5xx or a hang.
 */
export interface FhirClientOptions {
  timeoutMs: number;
  /** Origins (`https://ehr.example.org`) a call may make the service read from; undefined: any. */
  allowedOrigins?: ReadonlySet<string>;
}

/** A FHIR server's answer larger than this is refused rather than buffered. */
const MAX_RESPONSE_BYTES = 8 * 1024 * 1024;

export function fhirSource(options: FhirClientOptions, fhirServer: string | undefined, accessToken: string | undefined): FhirSource {
  if (fhirServer === undefined) return { none: true };
  let base: URL;
  try {
    base = new URL(fhirServer.endsWith('/') ? fhirServer : `${fhirServer}/`);
  } catch {
    return { unreadable: 'fhirServer is not a URL' };
  }
  if (base.protocol !== 'https:' && base.protocol !== 'http:') return { unreadable: 'fhirServer must be an http(s) URL' };
  if (options.allowedOrigins !== undefined && !options.allowedOrigins.has(base.origin)) {
    return { unreadable: `fhirServer ${base.origin} is not one of the FHIR servers this service may read (CDS_FHIR_SERVERS)` };
  }
  const signal = AbortSignal.timeout(options.timeoutMs);
  const read: FhirReader = async (pathOrUrl, what) => {
    const url = new URL(pathOrUrl, base);
    // A next-page link is absolute: it must stay on the server the call named.
    if (url.origin !== base.origin || !url.pathname.startsWith(base.pathname)) throw fhirUnavailable(`${what}: the FHIR server linked outside itself`);
    let response: Response;
    try {
      response = await fetch(url, {
        headers: { accept: 'application/fhir+json', ...(accessToken !== undefined ? { authorization: `Bearer ${accessToken}` } : {}) },
        redirect: 'manual',
        signal,
      });
    } catch (err) {
      if (signal.aborted) throw fhirUnavailable(`${what}: the FHIR server did not answer within ${options.timeoutMs} ms`);
      throw fhirUnavailable(`${what}: the FHIR server could not be reached (${(err as { cause?: { code?: string } }).cause?.code ?? 'network error'})`);
    }
    if (!response.ok) {
      await response.body?.cancel().catch(() => undefined);
      const notFound = response.status === 404 && what === 'patient';
      throw fhirUnavailable(notFound ? 'the patient was not found on the FHIR server' : `${what}: the FHIR server answered ${response.status}`);
    }
    const text = await readLimited(response, what, signal, options.timeoutMs);
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw fhirUnavailable(`${what}: the FHIR server's answer is not JSON`);
    }
  };
  return { read };
}

async function readLimited(response: Response, what: string, signal: AbortSignal, timeoutMs: number): Promise<string> {
  const declared = Number(response.headers.get('content-length') ?? '0');
  if (declared > MAX_RESPONSE_BYTES) throw fhirUnavailable(`${what}: the FHIR server's answer is larger than ${MAX_RESPONSE_BYTES} bytes`);
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for await (const chunk of response.body ?? []) {
      size += chunk.byteLength;
      if (size > MAX_RESPONSE_BYTES) throw fhirUnavailable(`${what}: the FHIR server's answer is larger than ${MAX_RESPONSE_BYTES} bytes`);
      chunks.push(chunk);
    }
  } catch (err) {
    if (signal.aborted) throw fhirUnavailable(`${what}: the FHIR server did not answer within ${timeoutMs} ms`);
    throw err instanceof AppError ? err : fhirUnavailable(`${what}: the FHIR server's answer broke off`);
  }
  return Buffer.concat(chunks).toString('utf8');
}
