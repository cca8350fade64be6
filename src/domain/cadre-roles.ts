/** What a cadre does (the `CadreRole` enum of the data model), in the order the CLI lists them. */
export const CADRE_ROLES = [
  "guarantor",
  "village_leader",
  "township_leader",
  "county_admin",
  "police",
  "doctor",
  "justice",
  "civil_affairs",
  "drug_control",
  "volunteer",
  "teacher",
] as const;

export type CadreRoleCode = (typeof CADRE_ROLES)[number];
