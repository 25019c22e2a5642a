// Trains LARA in the page on the browser's WebGPU, then evaluates it against FRA, RRA and OPT; Stop aborts the run.
import { evaluateLara, GpuError, openDevice, parseScenario, trainLara, UserError } from 'megc-webgpu';

const log = (line: string) => { document.querySelector('#log')!.textContent += line + '\n'; };
let stop: AbortController | undefined;

document.querySelector('#stop')!.addEventListener('click', () => stop?.abort());
document.querySelector('#train')!.addEventListener('click', async () => {
  stop = new AbortController();
  let device: GPUDevice | undefined;
  try {
    const scenario = parseScenario({ distance: { comp: 100, aigc: 120, ve: 80 } }, 'the page');  // any keys of a scenario file
    device = await openDevice();  // navigator.gpu; or pass the device your application already uses
    const result = await trainLara(scenario, {
      device,
      signal: stop.signal,
      config: { iterations: 400 },
      onProgress: ({ iteration, total }) => log(`iteration ${iteration} of ${total}`),
    });
    const e = await evaluateLara(result.policy, { slots: 4096, device });
    log(`LARA ${e.lara.total.toFixed(4)} s, OPT ${e.opt.total.toFixed(4)} s: gap ${(e.gap * 100).toFixed(2)}%`);
    const url = URL.createObjectURL(new Blob([result.checkpoint() as Uint8Array<ArrayBuffer>]));  // checkpoint.safetensors
    log(`checkpoint: ${url}`);
  } catch (error) {
    if (error instanceof UserError || error instanceof GpuError) log(error.message);  // one line, as the CLI prints it
    else throw error;
  } finally {
    device?.destroy();
  }
});
