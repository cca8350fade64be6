/**
 * What an 18-digit ID number (GB 11643, already validated by `normaliseIdNumber`) says about its
 * holder: the birth date (digits 7–14) and the gender (digit 17: odd male, even female).
 */
import { isLocalDate, type LocalDate } from "../domain/local-date";

export interface IdNumberFacts {
  birthDate: LocalDate | null;
  gender: "male" | "female";
}

export function idNumberFacts(id: string): IdNumberFacts {
  const birth = `${id.slice(6, 10)}-${id.slice(10, 12)}-${id.slice(12, 14)}`;
  return {
    birthDate: isLocalDate(birth) ? birth : null,
    gender: Number(id[16]) % 2 === 1 ? "male" : "female",
  };
}
