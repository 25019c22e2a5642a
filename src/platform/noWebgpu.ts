// The one sentence a browser without WebGPU shows (the page and its tests share it).
/** The sentence a browser without WebGPU shows. */
export const NO_WEBGPU = 'This browser has no WebGPU: open the page in a current Chrome, Edge or Safari 26 (or Firefox 141+ on Windows), ' +
  'or run the same training from a terminal with the megc command line.';
