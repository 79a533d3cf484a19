"""What the browser tests share."""

# Playwright's `page.wait_for_function(IDLE)`: the page's run has ended. The browser marks a rerun it has sent at
# once ("rerunRequested"), so this waits for the run to finish; checks for what must not be shown, and
# screenshots, then look at the finished page.
IDLE = "document.querySelector('[data-testid=stApp]').dataset.testScriptState === 'notRunning'"
