/**
 * A CDS Hooks call carries the patient's FHIR resources (a chronic patient's
 * Conditions and Procedures run to hundreds of kilobytes), not a patient
 * summary: its body may be larger than POST /evaluate's 64 KiB.
 */
export const CDS_HOOK_PATH = '/cds-services/clinical-recommendations';
export const CDS_HOOK_BODY_LIMIT_BYTES = 1024 * 1024;
