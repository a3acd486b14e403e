from bmp_monitor_agent.agent import main

main()
