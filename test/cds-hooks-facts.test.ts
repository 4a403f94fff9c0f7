import { expect } from 'chai';
import type { Condition, Observation, Procedure } from 'fhir/r4.js';
import { ageFrom } from '../core/fhir/fact-age.js';
import { bmiFrom } from '../core/fhir/fact-bmi.js';
import { chronicPainFrom } from '../core/fhir/fact-chronic-pain.js';
import { recentSurgeryFrom } from '../core/fhir/fact-recent-surgery.js';
import { fhirFactsFile, loadFhirFactsConfig, type FhirFactsConfig } from '../core/fhir/facts-config.js';
import { parseFhirDate, parseFhirDateTime } from '../core/fhir/fhir-time.js';
import { AppError } from '../core/platform/errors.js';
import { PROJECT_ROOT } from '../core/platform/paths.js';
import { aChronicPainCondition, anObservation, aPatient, aSurgicalProcedure } from './helpers/fhir-server.js';

/** FHIR R4 to facts, without HTTP: the edge cases of each fact. */
describe('CDS Hooks: facts from FHIR R4', () => {
  let config: FhirFactsConfig;
  before(async () => {
    config = await loadFhirFactsConfig(fhirFactsFile(`${PROJECT_ROOT}/rules`));
  });
  const at = <T>(resource: T, index = 0) => ({ resource, at: `/prefetch/x/entry/${index}/resource` });
  const refusal = (work: () => unknown): AppError => {
    try {
      work();
    } catch (err) {
      if (err instanceof AppError) return err;
      throw err;
    }
    throw new Error('expected a refusal');
  };

  describe('FHIR date and dateTime', () => {
    it('reads partial dates as the span they cover and rejects impossible ones', () => {
      expect(parseFhirDate('1950')).to.deep.equal({ earliest: Date.UTC(1950, 0, 1), latest: Date.UTC(1951, 0, 1) - 1 });
      expect(parseFhirDate('2024-02-29')?.earliest).to.equal(Date.UTC(2024, 1, 29));
      expect(parseFhirDate('2025-02-29')).to.equal(undefined);
      expect(parseFhirDate('1950-13-01')).to.equal(undefined);
      expect(parseFhirDate('1950-01-01T00:00:00Z')).to.equal(undefined);
    });

    it('places a dateTime with its zone on the UTC timeline', () => {
      expect(parseFhirDateTime('2026-11-06T23:30:00-05:00')?.earliest).to.equal(Date.UTC(2026, 10, 7, 4, 30));
      expect(parseFhirDateTime('2026-11-06T23:30:00')).to.equal(undefined); // a time needs its zone in FHIR
    });
  });

  describe('age', () => {
    const now = '2026-12-07';
    it('counts a birthday only once it is reached', () => {
      expect(ageFrom(at(aPatient('p', '1956-12-07')), now, config.age.range)).to.equal(70);
      expect(ageFrom(at(aPatient('p', '1956-12-08')), now, config.age.range)).to.equal(69);
    });

    it('uses a partial birthDate when every day it may mean gives the same age', () => {
      expect(ageFrom(at(aPatient('p', '1950-03')), now, config.age.range)).to.equal(76);
      expect(refusal(() => ageFrom(at(aPatient('p', '1950-12')), now, config.age.range)).message).to.contain('imprecise');
    });

    it('has a 29 February baby turn one on 1 March of a common year', () => {
      expect(ageFrom(at(aPatient('p', '2024-02-29')), '2025-02-28', config.age.range)).to.equal(0);
      expect(ageFrom(at(aPatient('p', '2024-02-29')), '2025-03-01', config.age.range)).to.equal(1);
    });
  });

  describe('bmi', () => {
    const now = new Date('2026-12-07T12:00:00Z');
    const obs = (list: Observation[]) => list.map((o, i) => at(o, i));
    it('converts grams and metres', () => {
      const bmi = bmiFrom(obs([anObservation('p', 'weight', 81_000, 'g', '2026-01-01'), anObservation('p', 'height', 1.8, 'm', '2026-01-01')]), config.bmi, 'p', now);
      expect(bmi).to.equal(25);
    });

    it('takes the latest by effective time across time zones', () => {
      const bmi = bmiFrom(
        obs([anObservation('p', 'bmi', 31, 'kg/m2', '2026-05-01T01:00:00+02:00'), anObservation('p', 'bmi', 29, 'kg/m2', '2026-04-30T23:30:00Z')]),
        config.bmi,
        'p',
        now,
      );
      expect(bmi).to.equal(29); // 23:30Z is after 01:00+02:00, which is 23:00Z the day before
    });

    it('gives no bmi from a weight alone, and skips a measurement recorded as not done', () => {
      expect(bmiFrom(obs([anObservation('p', 'weight', 80, 'kg', '2026-01-01')]), config.bmi, 'p', now)).to.equal(undefined);
      const notDone = anObservation('p', 'bmi', 0, 'kg/m2', '2026-06-01', { dataAbsentReason: { text: 'refused' } });
      delete notDone.valueQuantity;
      expect(bmiFrom(obs([anObservation('p', 'bmi', 31, 'kg/m2', '2026-01-01'), notDone]), config.bmi, 'p', now)).to.equal(31);
    });

    it('refuses an inexact value, a missing time and a unit without UCUM', () => {
      const inexact = anObservation('p', 'weight', 150, 'kg', '2026-01-01', { valueQuantity: { value: 150, comparator: '>', system: 'http://unitsofmeasure.org', code: 'kg' } });
      expect(refusal(() => bmiFrom(obs([inexact, anObservation('p', 'height', 170, 'cm', '2026-01-01')]), config.bmi, 'p', now)).errors?.[0]?.path).to.contain('comparator');
      const timeless = anObservation('p', 'bmi', 25, 'kg/m2', '2026-01-01');
      delete timeless.effectiveDateTime;
      delete timeless.issued;
      expect(refusal(() => bmiFrom(obs([timeless]), config.bmi, 'p', now)).message).to.contain('latest');
      const noSystem = anObservation('p', 'bmi', 25, 'kg/m2', '2026-01-01', { valueQuantity: { value: 25, unit: 'kg/m2' } });
      expect(refusal(() => bmiFrom(obs([noSystem]), config.bmi, 'p', now)).message).to.contain('UCUM');
    });
  });

  describe('chronic_pain', () => {
    const conditions = (list: Condition[]) => list.map((c, i) => at(c, i));
    it('is true for active, recurrence and relapse; false for inactive, remission, resolved', () => {
      for (const status of ['active', 'recurrence', 'relapse']) expect(chronicPainFrom(conditions([aChronicPainCondition('p', status)]), config.chronicPain, 'p'), status).to.equal(true);
      for (const status of ['inactive', 'remission', 'resolved']) expect(chronicPainFrom(conditions([aChronicPainCondition('p', status)]), config.chronicPain, 'p'), status).to.equal(false);
    });

    it('is false for a refuted diagnosis and for other codes', () => {
      const refuted = aChronicPainCondition('p', 'active', { verificationStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-ver-status', code: 'refuted' }] } });
      const other = aChronicPainCondition('p', 'active', { code: { coding: [{ system: 'http://snomed.info/sct', code: '38341003', display: 'Hypertension' }] } });
      expect(chronicPainFrom(conditions([refuted, other]), config.chronicPain, 'p')).to.equal(false);
    });

    it('reads a Condition without clinicalStatus that has abated as not active', () => {
      expect(chronicPainFrom(conditions([aChronicPainCondition('p', undefined, { abatementDateTime: '2021-01-01' })]), config.chronicPain, 'p')).to.equal(false);
    });
  });

  describe('recent_surgery', () => {
    const now = new Date('2026-12-07T09:00:00Z'); // cut-off: 2026-11-07
    const procedures = (list: Procedure[]) => list.map((p, i) => at(p, i));
    const recent = (performed: Partial<Procedure>) => recentSurgeryFrom(procedures([aSurgicalProcedure('p', performed)]), config.recentSurgery, 'p', now);

    it('is decided on the UTC day of performedDateTime', () => {
      expect(recent({ performedDateTime: '2026-11-07' })).to.equal(true);
      expect(recent({ performedDateTime: '2026-11-06' })).to.equal(false);
      expect(recent({ performedDateTime: '2026-11-06T23:30:00-05:00' })).to.equal(true); // 04:30Z on the 7th
      expect(recent({ performedDateTime: '2026-11-07T00:30:00+02:00' })).to.equal(false); // 22:30Z on the 6th
    });

    it('uses the end of performedPeriod, or a start already within the window', () => {
      expect(recent({ performedPeriod: { start: '2026-10-01', end: '2026-11-08' } })).to.equal(true);
      expect(recent({ performedPeriod: { start: '2026-11-20' } })).to.equal(true);
      expect(refusal(() => recent({ performedPeriod: { start: '2026-10-01' } })).errors?.[0]?.path).to.contain('performedPeriod/end');
    });

    it('decides a partial date when it lies wholly on one side of the cut-off', () => {
      expect(recent({ performedDateTime: '2026-12' })).to.equal(true);
      expect(recent({ performedDateTime: '2026-10' })).to.equal(false);
      expect(refusal(() => recent({ performedDateTime: '2026-11' })).message).to.contain('imprecise');
    });

    it('refuses a performed time given only as text', () => {
      expect(refusal(() => recent({ performedString: 'last spring' })).message).to.contain('text');
    });
  });
});
