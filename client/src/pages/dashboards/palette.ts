// Okabe & Ito's palette: told apart under the common colour-vision deficiencies. Colour never works alone on
// these screens: every chart has a table and every map colour a legend entry and a list.
export const PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"];
export const NEUTRAL = "#8C8C8C";
